// The only file that sees Janus: the C ABI of janus.plugin.homework (Janus 1.x plugin API
// version 102). It turns Janus callbacks into calls on SessionEngine and pushes its events
// back. Every entry point returns at once and lets no exception out; the work happens on the
// plugin's workers. Janus's headers have no extern "C" guards and JANUS_PLUGIN_INIT does not
// compile as C++, so the plugin struct is filled here in declaration order.

#include <glib.h>
#include <jansson.h>

extern "C" {
#include "config.h"
#include "debug.h"
#include "plugins/plugin.h"
}

#include <atomic>
#include <cstdlib>
#include <exception>
#include <map>
#include <memory>
#include <string>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "plugin/janus/plugin_options.h"
#include "plugin/janus/service_bridge.h"
#include "plugin/session/session_engine.h"

namespace therapy::homework::janus_plugin {
namespace {

constexpr char kPackage[] = "janus.plugin.homework";
constexpr int kVersion = 1;

// Janus's own log. Its macro casts the C way.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wold-style-cast"
void Log(int level, absl::string_view line) {
  JANUS_LOG(level, "[%s] %.*s\n", kPackage, static_cast<int>(line.size()), line.data());
}
#pragma GCC diagnostic pop

// What the plugin keeps on a Janus handle: its number.
struct HandleState {
  HandleId id = 0;
};

::janus_plugin* Plugin();

// Pushes events to Janus handles that still exist. The map lock is held across push_event, so
// a handle is never used after destroy_session has removed it.
class JanusSink : public EventSink {
 public:
  void Bind(janus_callbacks* gateway) { gateway_ = gateway; }

  void Add(HandleId id, janus_plugin_session* handle) {
    absl::MutexLock lock(&mutex_);
    handles_[id] = handle;
  }
  void Remove(HandleId id) {
    absl::MutexLock lock(&mutex_);
    handles_.erase(id);
  }

  void Push(HandleId id, const std::string& text) override {
    json_error_t error;
    json_t* event = json_loads(text.c_str(), 0, &error);
    if (event == nullptr) return;
    {
      absl::MutexLock lock(&mutex_);
      auto it = handles_.find(id);
      if (it != handles_.end() && gateway_ != nullptr) {
        gateway_->push_event(it->second, Plugin(), nullptr, event, nullptr);
      }
    }
    json_decref(event);
  }

 private:
  janus_callbacks* gateway_ = nullptr;
  absl::Mutex mutex_;
  std::map<HandleId, janus_plugin_session*> handles_ ABSL_GUARDED_BY(mutex_);
};

// Everything the C entry points share, from init to destroy.
struct Runtime {
  JanusSink sink;
  std::unique_ptr<SessionEngine> plugin;
  std::atomic<HandleId> next_handle{1};
};

Runtime* runtime = nullptr;

// The `general` items of the config file, as text; empty when there is no file.
absl::StatusOr<std::map<std::string, std::string>> ReadConfig(const char* config_path) {
  std::map<std::string, std::string> items;
  const std::string path = absl::StrCat(config_path, "/", kPackage, ".jcfg");
  if (!g_file_test(path.c_str(), G_FILE_TEST_EXISTS)) {
    Log(LOG_WARN, absl::StrCat("no ", path, "; using the defaults"));
    return items;
  }
  janus_config* config = janus_config_parse(path.c_str());
  if (config == nullptr) return absl::InvalidArgumentError(absl::StrCat("cannot parse ", path));
  janus_config_category* general =
      janus_config_get(config, nullptr, janus_config_type_category, "general");
  if (general != nullptr) {
    GList* list = janus_config_get_items(config, general);
    for (GList* item = list; item != nullptr; item = item->next) {
      auto* entry = static_cast<janus_config_item*>(item->data);
      if (entry->name != nullptr && entry->value != nullptr) items[entry->name] = entry->value;
    }
    g_list_free(list);
  }
  janus_config_destroy(config);
  return items;
}

int Init(janus_callbacks* gateway, const char* config_path) {
  try {
    if (gateway == nullptr || config_path == nullptr) return -1;
    setenv("GRPC_VERBOSITY", "ERROR", /*overwrite=*/0);
    absl::StatusOr<std::map<std::string, std::string>> items = ReadConfig(config_path);
    if (!items.ok()) {
      Log(LOG_ERR, items.status().ToString());
      return -1;
    }
    absl::StatusOr<PluginOptions> options = OptionsFromSettings(*items);
    if (!options.ok()) {
      Log(LOG_ERR, options.status().ToString());
      return -1;
    }
    absl::StatusOr<std::unique_ptr<ServiceBridge>> service = ServiceBridge::Open(*options);
    if (!service.ok()) {
      Log(LOG_ERR, service.status().ToString());
      return -1;
    }
    runtime = new Runtime();
    runtime->sink.Bind(gateway);
    runtime->plugin = std::make_unique<SessionEngine>(
        EngineOptionsOf(*options), *std::move(service), &runtime->sink,
        [](absl::string_view line) { Log(LOG_INFO, line); });
    Log(LOG_INFO, absl::StrCat("initialised: service ", options->service_address, ", ",
                               options->workers, " workers"));
    return 0;
  } catch (const std::exception& e) {
    Log(LOG_ERR, absl::StrCat("init failed: ", e.what()));
    return -1;
  } catch (...) {
    return -1;
  }
}

void Destroy() {
  try {
    delete runtime;
  } catch (...) {
  }
  runtime = nullptr;
}

int ApiCompatibility() { return JANUS_PLUGIN_API_VERSION; }
int Version() { return kVersion; }
const char* VersionString() { return "0.1.0"; }
const char* Description() {
  return "Therapy homework in a telehealth session: the homework service's calls and events, "
         "with each participant's own token";
}
const char* Name() { return "Therapy homework"; }
const char* Author() { return "therapy-homework"; }
const char* Package() { return kPackage; }

void CreateSession(janus_plugin_session* handle, int* error) {
  try {
    if (runtime == nullptr || handle == nullptr) {
      if (error != nullptr) *error = -1;
      return;
    }
    auto* state = new HandleState{.id = runtime->next_handle.fetch_add(1)};
    handle->plugin_handle = state;
    runtime->sink.Add(state->id, handle);
  } catch (...) {
    if (error != nullptr) *error = -1;
  }
}

janus_plugin_result* HandleMessage(janus_plugin_session* handle, char* transaction, json_t* message,
                                   json_t* jsep) {
  // This function owns transaction, message and jsep: release them whatever happens.
  struct Owned {
    char* transaction;
    json_t* message;
    json_t* jsep;
    ~Owned() {
      g_free(transaction);
      if (message != nullptr) json_decref(message);
      if (jsep != nullptr) json_decref(jsep);
    }
  } owned{transaction, message, jsep};
  try {
    if (runtime == nullptr || handle == nullptr || handle->plugin_handle == nullptr) {
      return janus_plugin_result_new(JANUS_PLUGIN_ERROR, "no such handle", nullptr);
    }
    if (message == nullptr || !json_is_object(message)) {
      return janus_plugin_result_new(JANUS_PLUGIN_ERROR, "the body must be a JSON object", nullptr);
    }
    char* text = json_dumps(message, JSON_COMPACT);
    if (text == nullptr) {
      return janus_plugin_result_new(JANUS_PLUGIN_ERROR, "unreadable body", nullptr);
    }
    std::string body(text);
    free(text);
    const HandleId id = static_cast<HandleState*>(handle->plugin_handle)->id;
    runtime->plugin->HandleMessage(id, std::move(body));
    return janus_plugin_result_new(JANUS_PLUGIN_OK_WAIT, nullptr, nullptr);
  } catch (...) {
    return janus_plugin_result_new(JANUS_PLUGIN_ERROR, "the plugin failed", nullptr);
  }
}

json_t* HandleAdminMessage(json_t* /*message*/) { return nullptr; }
void SetupMedia(janus_plugin_session* /*handle*/) {}
void IncomingRtp(janus_plugin_session* /*handle*/, janus_plugin_rtp* /*packet*/) {}
void IncomingRtcp(janus_plugin_session* /*handle*/, janus_plugin_rtcp* /*packet*/) {}
void IncomingData(janus_plugin_session* /*handle*/, janus_plugin_data* /*packet*/) {}
void DataReady(janus_plugin_session* /*handle*/) {}
void SlowLink(janus_plugin_session* /*handle*/, int /*mindex*/, gboolean /*video*/,
              gboolean /*uplink*/) {}
void HangupMedia(janus_plugin_session* /*handle*/) {}

void DestroySession(janus_plugin_session* handle, int* error) {
  try {
    if (runtime == nullptr || handle == nullptr || handle->plugin_handle == nullptr) {
      if (error != nullptr) *error = -1;
      return;
    }
    auto* state = static_cast<HandleState*>(handle->plugin_handle);
    runtime->sink.Remove(state->id);
    runtime->plugin->HandleGone(state->id);
    handle->plugin_handle = nullptr;
    delete state;
  } catch (...) {
    if (error != nullptr) *error = -1;
  }
}

json_t* QuerySession(janus_plugin_session* handle) {
  if (handle == nullptr || handle->plugin_handle == nullptr) return nullptr;
  json_t* info = json_object();
  json_object_set_new(
      info, "handle",
      json_integer(static_cast<json_int_t>(static_cast<HandleState*>(handle->plugin_handle)->id)));
  return info;
}

::janus_plugin homework_plugin = {
    .init = Init,
    .destroy = Destroy,
    .get_api_compatibility = ApiCompatibility,
    .get_version = Version,
    .get_version_string = VersionString,
    .get_description = Description,
    .get_name = Name,
    .get_author = Author,
    .get_package = Package,
    .create_session = CreateSession,
    .handle_message = HandleMessage,
    .handle_admin_message = HandleAdminMessage,
    .setup_media = SetupMedia,
    .incoming_rtp = IncomingRtp,
    .incoming_rtcp = IncomingRtcp,
    .incoming_data = IncomingData,
    .data_ready = DataReady,
    .slow_link = SlowLink,
    .hangup_media = HangupMedia,
    .destroy_session = DestroySession,
    .query_session = QuerySession,
};

::janus_plugin* Plugin() { return &homework_plugin; }

}  // namespace
}  // namespace therapy::homework::janus_plugin

// The symbol Janus looks up after dlopen.
extern "C" __attribute__((visibility("default"))) ::janus_plugin* create(void) {
  return therapy::homework::janus_plugin::Plugin();
}
