#include "services/homework/metrics/metrics.h"

#include "gtest/gtest.h"

namespace therapy::homework {
namespace {

TEST(MetricsTest, CallsAreCountedByProtocolMethodAndCode) {
  Metrics metrics;
  metrics.RecordCall("connect", "GetClient", absl::StatusCode::kOk, absl::Milliseconds(2));
  metrics.RecordCall("connect", "GetClient", absl::StatusCode::kOk, absl::Milliseconds(3));
  metrics.RecordCall("grpc_web", "GetClient", absl::StatusCode::kNotFound, absl::Seconds(20));
  const std::string text = metrics.Render();
  EXPECT_NE(text.find("homework_calls_total{protocol=\"connect\",method=\"GetClient\","
                      "code=\"OK\"} 2\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("homework_calls_total{protocol=\"grpc_web\",method=\"GetClient\","
                      "code=\"NOT_FOUND\"} 1\n"),
            std::string::npos)
      << text;
  // 2 ms and 3 ms fall in the 5 ms bucket; 20 s only in +Inf.
  EXPECT_NE(text.find("homework_call_latency_seconds_bucket{protocol=\"connect\","
                      "method=\"GetClient\",le=\"0.005\"} 2\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("homework_call_latency_seconds_bucket{protocol=\"grpc_web\","
                      "method=\"GetClient\",le=\"10\"} 0\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("homework_call_latency_seconds_count{protocol=\"grpc_web\","
                      "method=\"GetClient\"} 1\n"),
            std::string::npos)
      << text;
}

TEST(MetricsTest, GaugesAreReadAtEveryScrape) {
  Metrics metrics;
  int open = 3;
  metrics.AddGauge("homework_http_open_streams", "Open streams.", [&open] { return open; });
  EXPECT_NE(metrics.Render().find("homework_http_open_streams 3\n"), std::string::npos);
  open = 0;
  EXPECT_NE(metrics.Render().find("homework_http_open_streams 0\n"), std::string::npos);
}

TEST(MetricsTest, CommitsFillTheirHistograms) {
  Metrics metrics;
  metrics.RecordCommit(absl::Microseconds(300), 1);
  const std::string text = metrics.Render();
  EXPECT_NE(text.find("homework_store_commit_latency_seconds_bucket{le=\"0.0005\"} 1\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("homework_store_commit_events_bucket{le=\"0\"} 0\n"), std::string::npos)
      << text;
  EXPECT_NE(text.find("homework_store_commit_events_count 1\n"), std::string::npos) << text;
}

TEST(MetricsTest, WriteBatchesFillTheirHistogram) {
  Metrics metrics;
  metrics.RecordWriteBatch(3);
  metrics.RecordWriteBatch(1);
  const std::string text = metrics.Render();
  EXPECT_NE(text.find("homework_store_write_batch_size_bucket{le=\"1\"} 1\n"), std::string::npos)
      << text;
  EXPECT_NE(text.find("homework_store_write_batch_size_bucket{le=\"4\"} 2\n"), std::string::npos)
      << text;
  EXPECT_NE(text.find("homework_store_write_batch_size_sum 4\n"), std::string::npos) << text;
}

TEST(MetricsTest, CacheLookupsAreCountedByKindAndResult) {
  Metrics metrics;
  metrics.RecordCacheLookup("client", true);
  metrics.RecordCacheLookup("client", true);
  metrics.RecordCacheLookup("assignment", false);
  metrics.RecordCacheLookup("practices/p1/clients/c1", true);  // not a kind: not counted
  const std::string text = metrics.Render();
  EXPECT_NE(text.find("homework_store_cache_lookups_total{kind=\"client\",result=\"hit\"} 2\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("homework_store_cache_lookups_total{kind=\"client\",result=\"miss\"} 0\n"),
            std::string::npos)
      << text;
  EXPECT_NE(
      text.find("homework_store_cache_lookups_total{kind=\"assignment\",result=\"miss\"} 1\n"),
      std::string::npos)
      << text;
  EXPECT_EQ(text.find("practices/"), std::string::npos) << text;
}

}  // namespace
}  // namespace therapy::homework
