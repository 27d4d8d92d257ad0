#include "plugin/janus/plugin_options.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "testing/status_matchers.h"

namespace therapy::homework::janus_plugin {
namespace {

using ::testing::HasSubstr;
using ::therapy::homework::testing::IsOk;
using ::therapy::homework::testing::StatusIs;

TEST(PluginOptionsTest, ItemsOverrideDefaults) {
  absl::StatusOr<PluginOptions> options = OptionsFromSettings({{"service_address", "10.0.0.5:443"},
                                                               {"tls", "true"},
                                                               {"ca_file", "/etc/ca.pem"},
                                                               {"call_deadline_ms", "1500"},
                                                               {"workers", "8"}});
  ASSERT_THAT(options, IsOk());
  EXPECT_EQ(options->service_address, "10.0.0.5:443");
  EXPECT_TRUE(options->tls);
  EXPECT_EQ(options->ca_file, "/etc/ca.pem");
  EXPECT_EQ(options->call_deadline, absl::Milliseconds(1500));
  EXPECT_EQ(options->workers, 8);
}

TEST(PluginOptionsTest, NoItemsKeepDefaults) {
  absl::StatusOr<PluginOptions> options = OptionsFromSettings({});
  ASSERT_THAT(options, IsOk());
  EXPECT_EQ(options->service_address, "127.0.0.1:50051");
  EXPECT_FALSE(options->tls);
  EXPECT_EQ(options->call_deadline, absl::Seconds(5));
  EXPECT_EQ(options->workers, 4);
}

TEST(PluginOptionsTest, BadValuesNameTheItem) {
  absl::StatusOr<PluginOptions> zero_workers = OptionsFromSettings({{"workers", "0"}});
  EXPECT_THAT(zero_workers, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(zero_workers.status().message(), HasSubstr("general.workers"));

  absl::StatusOr<PluginOptions> deadline = OptionsFromSettings({{"call_deadline_ms", "soon"}});
  EXPECT_THAT(deadline.status().message(), HasSubstr("general.call_deadline_ms"));

  absl::StatusOr<PluginOptions> tls = OptionsFromSettings({{"tls", "maybe"}});
  EXPECT_THAT(tls.status().message(), HasSubstr("general.tls"));

  absl::StatusOr<PluginOptions> typo = OptionsFromSettings({{"service_adress", "x:1"}});
  EXPECT_THAT(typo.status().message(), HasSubstr("general.service_adress: unknown"));
}

}  // namespace
}  // namespace therapy::homework::janus_plugin
