//===- Server.h - an OpenAI-compatible HTTP server --------------*- C++ -*-===//
//
// `tessel-run serve`: POST /v1/completions (whole answers and server-sent
// event streams), GET /v1/models, /health and /metrics (Prometheus), on
// cpp-httplib, in front of the continuous-batching Engine.
//
//===----------------------------------------------------------------------===//

#ifndef TESSEL_RUNTIME_SERVE_SERVER_H
#define TESSEL_RUNTIME_SERVE_SERVER_H

#include "runtime/serve/Engine.h"
#include "runtime/tokenizer/Tokenizer.h"

#include <chrono>
#include <string>

namespace tessel {

struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 8080; ///< 0: a free port, printed when listening.
  /// The model's id in /v1/models and responses (default: the
  /// artifact's model name).
  std::string modelName;
  EngineOptions engine;
  /// After SIGTERM or SIGINT: how long requests in flight may go on.
  std::chrono::milliseconds grace{10000};
};

/// Blocks SIGTERM and SIGINT in the calling thread and the threads it
/// starts from now on, so that serve's signal thread alone takes them:
/// call it before anything starts threads (loading a model may).
void blockStopSignals();

/// Serves `artifact` until SIGTERM or SIGINT, then takes no more
/// connections, lets the requests in flight finish for the grace period,
/// ends the rest ("abort"), and returns ok. Prints one line to stderr
/// once it listens (with the port). An error when it cannot listen.
Status serve(const Artifact &artifact, const Tokenizer &tokenizer,
             const ServerOptions &options);

} // namespace tessel

#endif // TESSEL_RUNTIME_SERVE_SERVER_H
