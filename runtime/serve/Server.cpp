//===- Server.cpp - an OpenAI-compatible HTTP server ----------------------===//

#include "runtime/serve/Server.h"
#include "runtime/serve/Api.h"
#include "runtime/tokenizer/TextStream.h"

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <ctime>
#include <map>
#include <pthread.h>

namespace tessel {

/// Keys in the order OpenAI writes them.
using json = nlohmann::ordered_json;

namespace {

/// JSON text with invalid UTF-8 (a model can emit any bytes) replaced.
std::string dump(const json &value) {
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

/// One choice of a completion as the engine's thread fills it.
struct Choice {
  std::unique_ptr<TextStream> text;
  std::string pending; ///< Text not sent yet (all of it when not streaming).
  /// The generated ids, and those not sent yet (return_token_ids).
  std::vector<int64_t> ids, pendingIds;
  bool ended = false, reported = false;
  Finish finish = Finish::Stop;
  std::string error;
};

/// A completion request in flight: its choices, guarded by `mutex`.
struct Completion {
  std::mutex mutex;
  std::condition_variable changed;
  std::vector<Choice> choices;
  std::vector<SequenceHandle> handles;
  std::vector<int64_t> prompt;
  std::string id;
  int64_t created = 0;
  bool includeUsage = false, tokenIds = false;

  bool ended() const {
    for (const Choice &choice : choices)
      if (!choice.ended)
        return false;
    return true;
  }
  int64_t completionTokens() const {
    int64_t total = 0;
    for (const Choice &choice : choices)
      total += static_cast<int64_t>(choice.ids.size());
    return total;
  }
};

class Service {
public:
  Service(const Artifact &artifact, const Tokenizer &tokenizer,
          const ServerOptions &options)
      : artifact(artifact), tokenizer(tokenizer), options(options),
        name(options.modelName.empty() ? artifact.modelName()
                                       : options.modelName),
        started(std::time(nullptr)), seeds(std::random_device()()) {}

  Status start() { return engine.start(artifact, options.engine); }
  void routes(httplib::Server &server);
  void count(int status) {
    std::lock_guard<std::mutex> lock(countMutex);
    ++responses[status];
  }
  /// No completion in flight, queued or running.
  bool idle() const {
    EngineCounts now = engine.counts();
    return active == 0 && now.running == 0 && now.waiting == 0;
  }
  Engine engine;
  /// After SIGTERM: completions get 503, /health says so.
  std::atomic<bool> draining{false};
  /// Completion requests whose answer is not written yet.
  std::atomic<int64_t> active{0};

private:
  void completions(const httplib::Request &request, httplib::Response &res);
  void models(httplib::Response &res);
  void metrics(httplib::Response &res);
  /// The request's sequences for the engine, filling `completion`.
  bool prepare(const CompletionRequest &request,
               const std::shared_ptr<Completion> &completion,
               std::vector<SequenceRequest> &sequences, ApiError &error);
  json chunk(const Completion &completion, size_t index,
             const std::string &text, const std::vector<int64_t> &ids,
             const char *finish) const;
  json answer(const Completion &completion) const;

  const Artifact &artifact;
  const Tokenizer &tokenizer;
  ServerOptions options;
  std::string name;
  int64_t started;
  std::mutex seedMutex;
  std::mt19937_64 seeds;
  std::atomic<uint64_t> nextId{1};
  std::mutex countMutex;
  std::map<int, int64_t> responses; ///< HTTP status -> count.
};

/// Counts a completion request in flight for as long as it lives.
struct ActiveRequest {
  explicit ActiveRequest(std::atomic<int64_t> &count) : count(count) {
    ++count;
  }
  ~ActiveRequest() { --count; }
  std::atomic<int64_t> &count;
};

void reply(httplib::Response &res, const ApiError &error) {
  res.status = error.status;
  res.set_content(errorBody(error), "application/json");
}

bool Service::prepare(const CompletionRequest &request,
                      const std::shared_ptr<Completion> &completion,
                      std::vector<SequenceRequest> &sequences,
                      ApiError &error) {
  if (!request.model.empty() && request.model != name) {
    error = {404, "The model '" + request.model + "' does not exist",
             "invalid_request_error", "model"};
    return false;
  }
  std::vector<int64_t> prompt;
  if (request.promptIsIds) {
    prompt = request.promptIds;
  } else {
    std::vector<int32_t> ids;
    if (tokenizer.beginOfText())
      ids.push_back(*tokenizer.beginOfText());
    if (Status encoded = tokenizer.encode(request.prompt, ids);
        !encoded.isOk()) {
      error = {400, "prompt: " + encoded.message(), "invalid_request_error",
               "prompt"};
      return false;
    }
    prompt.assign(ids.begin(), ids.end());
  }
  if (prompt.empty()) {
    error = {400, "prompt is empty (no tokens)", "invalid_request_error",
             "prompt"};
    return false;
  }
  for (int64_t id : prompt)
    if (artifact.vocabSize() > 0 && id >= artifact.vocabSize()) {
      error = {400,
               "prompt token id " + std::to_string(id) +
                   " is not in the model's vocabulary of " +
                   std::to_string(artifact.vocabSize()),
               "invalid_request_error", "prompt"};
      return false;
    }
  if (static_cast<int64_t>(prompt.size()) >= artifact.maxPositions()) {
    error = {400,
             "the prompt has " + std::to_string(prompt.size()) +
                 " tokens; the model's context is " +
                 std::to_string(artifact.maxPositions()) +
                 " positions (with room for at least one new token)",
             "invalid_request_error", "prompt"};
    return false;
  }
  uint64_t seed = 0;
  if (request.seed) {
    seed = static_cast<uint64_t>(*request.seed);
  } else {
    std::lock_guard<std::mutex> lock(seedMutex);
    seed = seeds();
  }
  if (request.n > options.engine.maxBatch + options.engine.maxQueue) {
    error = {
        400,
        "n = " + std::to_string(request.n) +
            " choices exceed what the server holds at once (" +
            std::to_string(options.engine.maxBatch + options.engine.maxQueue) +
            ": --max-batch plus --max-queue)",
        "invalid_request_error", "n"};
    return false;
  }
  completion->prompt = prompt;
  completion->choices.resize(request.n);
  completion->includeUsage = request.includeUsage;
  completion->tokenIds = request.tokenIds;
  for (int64_t i = 0; i < request.n; ++i) {
    completion->choices[i].text = std::make_unique<TextStream>(
        tokenizer, prompt.size(), request.stop, !request.ignoreEos);
    SequenceRequest sequence;
    sequence.prompt = prompt;
    sequence.maxTokens = request.maxTokens;
    sequence.sampling = request.sampling;
    sequence.seed = seed + static_cast<uint64_t>(i);
    sequence.vocabLimit = tokenizer.vocabSize();
    if (!request.ignoreEos && tokenizer.endOfText())
      sequence.stopTokens.push_back(*tokenizer.endOfText());
    // The engine may call after the client left and the completion is
    // gone (until its cancellation reaches the next step): the callbacks
    // hold it weakly, and a sequence whose completion is gone stops.
    std::weak_ptr<Completion> weak = completion;
    sequence.onToken = [weak, i](int64_t token) {
      std::shared_ptr<Completion> owner = weak.lock();
      if (!owner)
        return false;
      std::lock_guard<std::mutex> lock(owner->mutex);
      Choice &choice = owner->choices[i];
      choice.ids.push_back(token);
      choice.pendingIds.push_back(token);
      bool ended = false;
      Status shown = choice.text->push(token, choice.pending, ended);
      if (!shown.isOk())
        choice.error =
            "decoding token " + std::to_string(token) + ": " + shown.message();
      owner->changed.notify_all();
      return shown.isOk() && !ended;
    };
    sequence.onFinish = [weak, i](Finish finish, const std::string &message) {
      std::shared_ptr<Completion> owner = weak.lock();
      if (!owner)
        return;
      std::lock_guard<std::mutex> lock(owner->mutex);
      Choice &choice = owner->choices[i];
      choice.text->finish(choice.pending);
      choice.ended = true;
      // A token the tokenizer could not decode ended it: an error.
      choice.finish = choice.error.empty() ? finish : Finish::Error;
      if (choice.error.empty())
        choice.error = message;
      owner->changed.notify_all();
    };
    if (Status fits = engine.check(sequence); !fits.isOk()) {
      error = {400, fits.message(), "invalid_request_error", "max_tokens"};
      return false;
    }
    sequences.push_back(std::move(sequence));
  }
  completion->id = "cmpl-" + std::to_string(started) + "-" +
                   std::to_string(nextId.fetch_add(1));
  completion->created = std::time(nullptr);
  return true;
}

json Service::chunk(const Completion &completion, size_t index,
                    const std::string &text, const std::vector<int64_t> &ids,
                    const char *finish) const {
  json choice = {{"index", index},
                 {"text", text},
                 {"logprobs", json()},
                 {"finish_reason", finish ? json(finish) : json()}};
  if (completion.tokenIds)
    choice["token_ids"] = ids;
  return {{"id", completion.id},
          {"object", "text_completion"},
          {"created", completion.created},
          {"model", name},
          {"choices", json::array({choice})}};
}

json usage(const Completion &completion) {
  int64_t prompt = static_cast<int64_t>(completion.prompt.size());
  int64_t generated = completion.completionTokens();
  return {{"prompt_tokens", prompt},
          {"completion_tokens", generated},
          {"total_tokens", prompt + generated}};
}

json Service::answer(const Completion &completion) const {
  json choices = json::array();
  for (size_t i = 0; i < completion.choices.size(); ++i) {
    const Choice &choice = completion.choices[i];
    json one = {{"index", i},
                {"text", choice.pending},
                {"logprobs", json()},
                {"finish_reason", finishName(choice.finish)}};
    if (completion.tokenIds) {
      one["prompt_token_ids"] = completion.prompt;
      one["token_ids"] = choice.ids;
    }
    choices.push_back(one);
  }
  return {{"id", completion.id},
          {"object", "text_completion"},
          {"created", completion.created},
          {"model", name},
          {"choices", choices},
          {"usage", usage(completion)}};
}

void Service::completions(const httplib::Request &request,
                          httplib::Response &res) {
  auto inFlight = std::make_shared<ActiveRequest>(active);
  if (draining)
    return reply(res, {503, "the server is shutting down", "server_error", ""});
  CompletionRequest parsed;
  ApiError error;
  if (!parseCompletionRequest(request.body, parsed, error))
    return reply(res, error);
  auto completion = std::make_shared<Completion>();
  std::vector<SequenceRequest> sequences;
  if (!prepare(parsed, completion, sequences, error))
    return reply(res, error);
  std::vector<SequenceHandle> handles;
  switch (engine.submit(std::move(sequences), handles)) {
  case Engine::Admission::QueueFull:
    return reply(res, {429, "the server is busy: its queue is full; try again",
                       "rate_limit_error", ""});
  case Engine::Admission::Closed:
    return reply(res, {503, "the server is shutting down", "server_error", ""});
  case Engine::Admission::Accepted:
    break;
  }
  completion->handles = handles;

  if (!parsed.stream) {
    std::unique_lock<std::mutex> lock(completion->mutex);
    completion->changed.wait(lock, [&] { return completion->ended(); });
    for (const Choice &choice : completion->choices)
      if (choice.finish == Finish::Error)
        return reply(res, {500, "generation failed: " + choice.error,
                           "server_error", ""});
    res.set_content(dump(answer(*completion)), "application/json");
    return;
  }

  // Server-sent events: a chunk per piece of text, one per choice with its
  // finish reason, the usage when asked, then [DONE].
  Engine *runner = &engine;
  auto provider = [this, completion](size_t, httplib::DataSink &sink) {
    std::vector<json> events;
    bool ended = false;
    {
      std::unique_lock<std::mutex> lock(completion->mutex);
      auto news = [&] {
        for (const Choice &choice : completion->choices)
          if (!choice.pending.empty() ||
              (completion->tokenIds && !choice.pendingIds.empty()) ||
              (choice.ended && !choice.reported))
            return true;
        return false;
      };
      if (!completion->changed.wait_for(lock, std::chrono::seconds(1), news)) {
        // Nothing new for a while (queued, or a long prefill): a comment
        // line, which finds a client that went away.
        lock.unlock();
        static const char ping[] = ": waiting\n\n";
        return sink.write(ping, sizeof ping - 1);
      }
      for (size_t i = 0; i < completion->choices.size(); ++i) {
        Choice &choice = completion->choices[i];
        if (!choice.pending.empty() ||
            (completion->tokenIds && !choice.pendingIds.empty()))
          events.push_back(chunk(*completion, i, choice.pending,
                                 choice.pendingIds, nullptr));
        choice.pending.clear();
        choice.pendingIds.clear();
        if (choice.ended && !choice.reported) {
          choice.reported = true;
          if (choice.finish == Finish::Error)
            events.push_back(
                errorJson({500, "generation failed: " + choice.error,
                           "server_error", ""}));
          else
            events.push_back(
                chunk(*completion, i, "", {}, finishName(choice.finish)));
        }
      }
      ended = completion->ended();
      if (ended && completion->includeUsage) {
        json last = chunk(*completion, 0, "", {}, nullptr);
        last["choices"] = json::array();
        last["usage"] = usage(*completion);
        events.push_back(last);
      }
    }
    std::string text;
    for (const json &event : events)
      text += "data: " + dump(event) + "\n\n";
    if (ended)
      text += "data: [DONE]\n\n";
    // (An empty write would end httplib's chunked stream.)
    if (!text.empty() && !sink.write(text.data(), text.size()))
      return false;
    if (ended)
      sink.done();
    return true;
  };
  // A stream that ends early (the client left) cancels its sequences: they
  // leave the batch, and their blocks the pool, at the next step.
  auto releaser = [runner, completion, inFlight](bool) {
    for (const SequenceHandle &handle : completion->handles)
      runner->cancel(handle);
  };
  res.set_header("Cache-Control", "no-cache");
  res.set_chunked_content_provider("text/event-stream", provider, releaser);
}

void Service::models(httplib::Response &res) {
  json model = {{"id", name},
                {"object", "model"},
                {"created", started},
                {"owned_by", "tessel"},
                {"max_model_len", artifact.maxPositions()}};
  json list = {{"object", "list"}, {"data", json::array({model})}};
  res.set_content(dump(list), "application/json");
}

void Service::metrics(httplib::Response &res) {
  EngineCounts counts = engine.counts();
  std::vector<MetricSample> codes, reasons;
  {
    std::lock_guard<std::mutex> lock(countMutex);
    for (auto [code, total] : responses)
      codes.push_back({"code=\"" + std::to_string(code) + "\"", double(total)});
  }
  for (Finish finish :
       {Finish::Stop, Finish::Length, Finish::Abort, Finish::Error})
    reasons.push_back({std::string("reason=\"") + finishName(finish) + "\"",
                       double(counts.finished[static_cast<int>(finish)])});
  std::string out;
  writeMetric("tessel_http_requests_total", "counter",
              "HTTP requests answered, by status code.", codes, out);
  writeMetric("tessel_sequences_finished_total", "counter",
              "Sequences (completion choices) ended, by finish reason.",
              reasons, out);
  writeMetric("tessel_prompt_tokens_total", "counter",
              "Prompt tokens of the sequences admitted.", counts.promptTokens,
              out);
  writeMetric("tessel_generated_tokens_total", "counter", "Tokens generated.",
              counts.generatedTokens, out);
  writeMetric("tessel_model_steps_total", "counter",
              "Model runs: prompt steps (prefill; decode where the model "
              "has no prefill) and decode steps.",
              counts.steps, out);
  writeMetric("tessel_queue_length", "gauge",
              "Sequences waiting for a batch row and KV blocks.",
              counts.waiting, out);
  writeMetric("tessel_running_sequences", "gauge",
              "Sequences in the running batch.", counts.running, out);
  writeMetric("tessel_kv_blocks_used", "gauge",
              "KV cache blocks held by sequences (reserved at admission for "
              "the prompt and max_tokens).",
              counts.blocksUsed, out);
  writeMetric("tessel_kv_blocks", "gauge",
              "KV cache blocks of the pool (the scratch block not counted).",
              counts.blocks - 1, out);
  writeMetric("tessel_kv_block_size", "gauge", "Positions per KV block.",
              counts.blockSize, out);
  engine.timeToFirstToken().write(
      "tessel_time_to_first_token_seconds",
      "From a sequence's arrival to its first token.", out);
  engine.timePerToken().write("tessel_time_per_output_token_seconds",
                              "Between a sequence's successive tokens.", out);
  writeMetric("process_resident_memory_bytes", "gauge",
              "Resident memory of the server.", residentBytes(), out);
  res.set_content(out, "text/plain; version=0.0.4");
}

void Service::routes(httplib::Server &server) {
  server.Post("/v1/completions",
              [this](const httplib::Request &request, httplib::Response &res) {
                completions(request, res);
              });
  server.Get("/v1/models", [this](const httplib::Request &,
                                  httplib::Response &res) { models(res); });
  server.Get("/metrics", [this](const httplib::Request &,
                                httplib::Response &res) { metrics(res); });
  server.Get("/health",
             [this](const httplib::Request &, httplib::Response &res) {
               if (draining)
                 res.status = 503;
               res.set_content(draining ? "{\"status\":\"shutting down\"}"
                                        : "{\"status\":\"ok\"}",
                               "application/json");
             });
  // Errors httplib answers itself (unknown path, wrong method, a body
  // over the limit) get OpenAI's JSON error too.
  server.set_error_handler([](const httplib::Request &request,
                              httplib::Response &res) {
    if (!res.body.empty())
      return;
    std::string message =
        res.status == 404   ? "no route " + request.method + " " + request.path
        : res.status == 413 ? std::string("the request body is too large")
                            : "HTTP " + std::to_string(res.status);
    res.set_content(
        errorBody({res.status, message, "invalid_request_error", ""}),
        "application/json");
  });
  server.set_exception_handler(
      [](const httplib::Request &, httplib::Response &res, std::exception_ptr) {
        reply(res, {500, "internal error", "server_error", ""});
      });
  server.set_logger(
      [this](const httplib::Request &, const httplib::Response &res) {
        count(res.status);
      });
}

} // namespace

namespace {
sigset_t stopSignalSet() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  return signals;
}
} // namespace

void blockStopSignals() {
  sigset_t signals = stopSignalSet();
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
}

Status serve(const Artifact &artifact, const Tokenizer &tokenizer,
             const ServerOptions &options) {
  // SIGTERM and SIGINT go to one thread that waits for them; a client that
  // leaves must not kill the server with SIGPIPE.
  blockStopSignals();
  sigset_t stopSignals = stopSignalSet();
  std::signal(SIGPIPE, SIG_IGN);

  Service service(artifact, tokenizer, options);
  TESSEL_RETURN_IF_ERROR(service.start());
  httplib::Server server;
  // A thread per connection in flight: every streaming client holds one.
  // (At most 1024: connections past the threads wait for one.)
  size_t threads = static_cast<size_t>(std::clamp<int64_t>(
      options.engine.maxBatch + options.engine.maxQueue + 8, 16, 1024));
  server.new_task_queue = [threads] {
    return new httplib::ThreadPool(threads);
  };
  server.set_keep_alive_timeout(2);
  server.set_payload_max_length(16 << 20);
  service.routes(server);

  int port = options.port;
  if (port == 0)
    port = server.bind_to_any_port(options.host);
  else if (!server.bind_to_port(options.host, port))
    port = -1;
  if (port <= 0) {
    service.engine.close(std::chrono::milliseconds(0));
    service.engine.join();
    return errorf("cannot listen on ", options.host, ":", options.port,
                  " (in use, or not an address of this machine)");
  }
  EngineCounts counts = service.engine.counts();
  std::fprintf(stderr,
               "tessel-run: serving %s on http://%s:%d (batch %lld, KV pool "
               "of %lld blocks of %lld positions: %.1f MB, queue %lld)\n",
               artifact.modelName().c_str(), options.host.c_str(), port,
               static_cast<long long>(options.engine.maxBatch),
               static_cast<long long>(counts.blocks - 1),
               static_cast<long long>(counts.blockSize), counts.poolBytes / 1e6,
               static_cast<long long>(options.engine.maxQueue));
  std::fflush(stderr);

  // The first signal: completions get 503 from now on, those in flight
  // have the grace period; once none is left the server stops. (httplib's
  // stop cuts streams short, so it waits for them: after the grace period
  // the engine ends every sequence at its next step, and the handlers
  // have a few seconds more to write the ends.)
  std::atomic<bool> done{false};
  std::thread signals([&] {
    using Clock = std::chrono::steady_clock;
    bool stopping = false, stopped = false;
    Clock::time_point last;
    timespec wait = {0, 50 * 1000 * 1000};
    while (!done) {
      int signal = sigtimedwait(&stopSignals, nullptr, &wait);
      if (signal > 0 && !stopping) {
        stopping = true;
        std::fprintf(stderr,
                     "tessel-run: %s: no new requests; those in flight have "
                     "%.1f s to finish\n",
                     signal == SIGTERM ? "SIGTERM" : "SIGINT",
                     options.grace.count() / 1000.0);
        service.draining = true;
        service.engine.close(options.grace);
        last = Clock::time_point::max();
      } else if (signal > 0) {
        // A second signal: end what is left now.
        service.engine.close(std::chrono::milliseconds(0));
      }
      if (!stopping || stopped)
        continue;
      EngineCounts now = service.engine.counts();
      if (now.running == 0 && now.waiting == 0 &&
          last == Clock::time_point::max())
        last = Clock::now() + std::chrono::seconds(5);
      // stop() does nothing until the server listens: a signal during
      // start-up is acted on once it does.
      if ((service.idle() || Clock::now() > last) && server.is_running()) {
        server.stop();
        stopped = true;
      }
    }
  });
  server.listen_after_bind();
  done = true;
  signals.join();
  service.engine.close(std::chrono::milliseconds(0));
  service.engine.join();
  EngineCounts last = service.engine.counts();
  std::fprintf(stderr,
               "tessel-run: stopped after %lld sequences (%lld aborted), %lld "
               "tokens generated\n",
               static_cast<long long>(last.finished[0] + last.finished[1] +
                                      last.finished[2] + last.finished[3]),
               static_cast<long long>(last.finished[2]),
               static_cast<long long>(last.generatedTokens));
  return Status::ok();
}

} // namespace tessel
