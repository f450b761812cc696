//===- Metrics.cpp - counters and histograms in Prometheus text -----------===//

#include "runtime/serve/Metrics.h"

#include <cmath>
#include <cstdio>
#include <fstream>
#include <unistd.h>

namespace tessel {

Histogram::Histogram(std::vector<double> bounds)
    : bounds(std::move(bounds)), buckets(this->bounds.size() + 1, 0) {}

void Histogram::observe(double value) {
  std::lock_guard<std::mutex> lock(mutex);
  size_t i = 0;
  while (i < bounds.size() && value > bounds[i])
    ++i;
  ++buckets[i];
  sum += value;
  ++total;
}

void Histogram::write(const std::string &name, const std::string &help,
                      std::string &out) const {
  std::lock_guard<std::mutex> lock(mutex);
  out += "# HELP " + name + " " + help + "\n# TYPE " + name + " histogram\n";
  int64_t cumulative = 0;
  for (size_t i = 0; i <= bounds.size(); ++i) {
    cumulative += buckets[i];
    std::string le =
        i < bounds.size() ? formatMetricValue(bounds[i]) : std::string("+Inf");
    out += name + "_bucket{le=\"" + le + "\"} " + std::to_string(cumulative) +
           "\n";
  }
  out += name + "_sum " + formatMetricValue(sum) + "\n";
  out += name + "_count " + std::to_string(total) + "\n";
}

std::string formatMetricValue(double value) {
  if (std::isinf(value))
    return value > 0 ? "+Inf" : "-Inf";
  if (std::isnan(value))
    return "NaN";
  char text[64];
  if (value == std::floor(value) && std::fabs(value) < 1e15)
    std::snprintf(text, sizeof text, "%.0f", value);
  else
    std::snprintf(text, sizeof text, "%.9g", value);
  return text;
}

void writeMetric(const std::string &name, const char *kind,
                 const std::string &help,
                 const std::vector<MetricSample> &samples, std::string &out) {
  out += "# HELP " + name + " " + help + "\n# TYPE " + name + " " + kind + "\n";
  for (const MetricSample &sample : samples)
    out += name + (sample.labels.empty() ? "" : "{" + sample.labels + "}") +
           " " + formatMetricValue(sample.value) + "\n";
}

int64_t residentBytes() {
  std::ifstream statm("/proc/self/statm");
  int64_t size = 0, resident = 0;
  if (!(statm >> size >> resident))
    return 0;
  return resident * static_cast<int64_t>(sysconf(_SC_PAGESIZE));
}

} // namespace tessel
