//===- Metrics.h - counters and histograms in Prometheus text ---*- C++ -*-===//
//
// What `GET /metrics` serves, in Prometheus's text exposition format
// (version 0.0.4): `# HELP`, `# TYPE`, then one sample per line;
// histograms as cumulative `_bucket{le="..."}` counts, `_sum` and `_count`.
//
//===----------------------------------------------------------------------===//

#ifndef TESSEL_RUNTIME_SERVE_METRICS_H
#define TESSEL_RUNTIME_SERVE_METRICS_H

#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

namespace tessel {

/// Observations counted into buckets of upper bounds (plus +Inf); safe to
/// observe from any thread.
class Histogram {
public:
  explicit Histogram(std::vector<double> bounds);
  void observe(double value);
  /// Appends the histogram as metric `name` with its help text.
  void write(const std::string &name, const std::string &help,
             std::string &out) const;

private:
  mutable std::mutex mutex;
  std::vector<double> bounds;
  std::vector<int64_t> buckets; ///< Per bound, not cumulative; +Inf last.
  double sum = 0;
  int64_t total = 0;
};

/// One sample of a metric: `labels` empty or `name="value",...`.
struct MetricSample {
  std::string labels;
  double value;
};

/// Appends a metric (`kind` "counter" or "gauge") and its samples.
void writeMetric(const std::string &name, const char *kind,
                 const std::string &help,
                 const std::vector<MetricSample> &samples, std::string &out);
/// The same with one sample without labels.
inline void writeMetric(const std::string &name, const char *kind,
                        const std::string &help, double value,
                        std::string &out) {
  writeMetric(name, kind, help, {{"", value}}, out);
}

/// A number as Prometheus reads it (integers without a fraction, +Inf).
std::string formatMetricValue(double value);

/// The process's resident memory in bytes (Linux /proc/self/statm; 0
/// where it cannot be read).
int64_t residentBytes();

} // namespace tessel

#endif // TESSEL_RUNTIME_SERVE_METRICS_H
