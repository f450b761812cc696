//===- ServeApiTest.cpp - the server's request checks and metrics ---------===//

#include "runtime/serve/Api.h"
#include "runtime/serve/Metrics.h"

#include <gtest/gtest.h>

using namespace tessel;

namespace {

ApiError refused(const std::string &body) {
  CompletionRequest request;
  ApiError error;
  EXPECT_FALSE(parseCompletionRequest(body, request, error)) << body;
  EXPECT_EQ(error.status, 400);
  return error;
}

TEST(ServeApi, DefaultsFollowOpenAI) {
  CompletionRequest request;
  ApiError error;
  ASSERT_TRUE(parseCompletionRequest(R"({"prompt": "hi"})", request, error))
      << error.message;
  EXPECT_EQ(request.prompt, "hi");
  EXPECT_FALSE(request.promptIsIds);
  EXPECT_EQ(request.maxTokens, 16);
  EXPECT_EQ(request.n, 1);
  EXPECT_EQ(request.sampling.temperature, 1.0);
  EXPECT_EQ(request.sampling.topP, 1.0);
  EXPECT_FALSE(request.seed.has_value());
  EXPECT_FALSE(request.stream);
}

TEST(ServeApi, ReadsEveryField) {
  CompletionRequest request;
  ApiError error;
  ASSERT_TRUE(parseCompletionRequest(
      R"({"model": "m", "prompt": [[5, 6, 7]], "max_tokens": 9, "n": 2,
          "temperature": 0, "top_p": 0.5, "top_k": -1, "min_p": 0.1,
          "presence_penalty": -2, "frequency_penalty": 1.5,
          "repetition_penalty": 1.2, "stop": ["a", "bc"], "seed": -3,
          "stream": true, "stream_options": {"include_usage": true},
          "echo": false, "logprobs": null, "best_of": 2, "user": "u",
          "ignore_eos": true, "return_token_ids": true})",
      request, error))
      << error.message;
  EXPECT_EQ(request.model, "m");
  EXPECT_TRUE(request.promptIsIds);
  EXPECT_EQ(request.promptIds, (std::vector<int64_t>{5, 6, 7}));
  EXPECT_EQ(request.maxTokens, 9);
  EXPECT_EQ(request.n, 2);
  EXPECT_EQ(request.sampling.temperature, 0.0);
  EXPECT_EQ(request.sampling.topP, 0.5);
  EXPECT_EQ(request.sampling.topK, 0);
  EXPECT_EQ(request.sampling.minP, 0.1);
  EXPECT_EQ(request.sampling.presencePenalty, -2.0);
  EXPECT_EQ(request.sampling.frequencyPenalty, 1.5);
  EXPECT_EQ(request.sampling.repetitionPenalty, 1.2);
  EXPECT_EQ(request.stop, (std::vector<std::string>{"a", "bc"}));
  EXPECT_EQ(request.seed, -3);
  ASSERT_TRUE(parseCompletionRequest(
      R"({"prompt": "a", "max_tokens": 9223372036854775807})", request, error));
  EXPECT_EQ(request.maxTokens, INT64_MAX);
  EXPECT_TRUE(request.stream && request.includeUsage && request.ignoreEos &&
              request.tokenIds);
}

TEST(ServeApi, RefusesBadRequestsNamingTheField) {
  EXPECT_NE(refused("").message.find("malformed JSON"), std::string::npos);
  EXPECT_NE(refused("{\"prompt\": \"a\"").message.find("request body:1:"),
            std::string::npos);
  EXPECT_NE(refused("[]").message.find("JSON object"), std::string::npos);
  EXPECT_NE(refused("{\"prompt\": \"\xff\"}").message.find("UTF-8"),
            std::string::npos);
  struct Case {
    const char *body, *param;
  } cases[] = {
      {R"({})", "prompt"},
      {R"({"prompt": null})", "prompt"},
      {R"({"prompt": {}})", "prompt"},
      {R"({"prompt": []})", "prompt"},
      {R"({"prompt": ["a", "b"]})", "prompt"},
      {R"({"prompt": [1.5]})", "prompt"},
      {R"({"prompt": [-1]})", "prompt"},
      {R"({"prompt": [[1], [2]]})", "prompt"},
      {R"({"prompt": "a", "max_tokens": 0})", "max_tokens"},
      {R"({"prompt": "a", "max_tokens": 1.5})", "max_tokens"},
      {R"({"prompt": "a", "max_tokens": 18446744073709551615})", "max_tokens"},
      {R"({"prompt": "a", "max_tokens": "8"})", "max_tokens"},
      {R"({"prompt": "a", "n": 0})", "n"},
      {R"({"prompt": "a", "n": 65})", "n"},
      {R"({"prompt": "a", "temperature": 2.5})", "temperature"},
      {R"({"prompt": "a", "temperature": true})", "temperature"},
      {R"({"prompt": "a", "top_p": 0})", "top_p"},
      {R"({"prompt": "a", "top_p": 1.01})", "top_p"},
      {R"({"prompt": "a", "top_k": -2})", "top_k"},
      {R"({"prompt": "a", "min_p": 2})", "min_p"},
      {R"({"prompt": "a", "presence_penalty": 3})", "presence_penalty"},
      {R"({"prompt": "a", "frequency_penalty": -2.5})", "frequency_penalty"},
      {R"({"prompt": "a", "repetition_penalty": 0})", "repetition_penalty"},
      {R"({"prompt": "a", "stop": ""})", "stop"},
      {R"({"prompt": "a", "stop": ["a", "b", "c", "d", "e"]})", "stop"},
      {R"({"prompt": "a", "stop": 5})", "stop"},
      {R"({"prompt": "a", "seed": "1"})", "seed"},
      {R"({"prompt": "a", "stream": 1})", "stream"},
      {R"({"prompt": "a", "stream_options": {"include_usage": true}})",
       "stream_options"},
      {R"({"prompt": "a", "stream": true, "stream_options": {"x": 1}})",
       "stream_options"},
      {R"({"prompt": "a", "echo": true})", "echo"},
      {R"({"prompt": "a", "logprobs": 2})", "logprobs"},
      {R"({"prompt": "a", "logprobs": 0})", "logprobs"},
      {R"({"prompt": "a", "best_of": 3})", "best_of"},
      {R"({"prompt": "a", "logit_bias": {"1": 5}})", "logit_bias"},
      {R"({"prompt": "a", "suffix": "z"})", "suffix"},
      {R"({"prompt": "a", "user": 7})", "user"},
      {R"({"prompt": "a", "model": 7})", "model"},
      {R"({"prompt": "a", "temprature": 0})", "temprature"},
  };
  for (const Case &c : cases)
    EXPECT_EQ(refused(c.body).param, c.param) << c.body;
}

TEST(ServeApi, ErrorBodyIsOpenAIs) {
  EXPECT_EQ(errorBody({429, "busy", "rate_limit_error", ""}),
            R"({"error":{"message":"busy","type":"rate_limit_error",)"
            R"("param":null,"code":null}})");
  EXPECT_EQ(errorBody({400, "bad \xff", "invalid_request_error", "n"}),
            "{\"error\":{\"message\":\"bad \xef\xbf\xbd\",\"type\":"
            "\"invalid_request_error\",\"param\":\"n\",\"code\":null}}");
}

TEST(ServeMetrics, HistogramIsCumulativeWithInf) {
  Histogram histogram({0.1, 1});
  for (double value : {0.05, 0.1, 0.5, 3.0})
    histogram.observe(value);
  std::string out;
  histogram.write("t_seconds", "Help.", out);
  EXPECT_EQ(out, "# HELP t_seconds Help.\n"
                 "# TYPE t_seconds histogram\n"
                 "t_seconds_bucket{le=\"0.1\"} 2\n"
                 "t_seconds_bucket{le=\"1\"} 3\n"
                 "t_seconds_bucket{le=\"+Inf\"} 4\n"
                 "t_seconds_sum 3.65\n"
                 "t_seconds_count 4\n");
  std::string gauge;
  writeMetric("g", "gauge", "A gauge.", {{"a=\"b\"", 12}}, gauge);
  EXPECT_EQ(gauge, "# HELP g A gauge.\n# TYPE g gauge\ng{a=\"b\"} 12\n");
  EXPECT_GT(residentBytes(), 0);
}

} // namespace
