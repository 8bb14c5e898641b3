// GNOME family (GNOME, Cinnamon, MATE, Budgie, and GTK/Chromium apps elsewhere): the
// org.gnome.system.proxy GSettings schemas, through GIO itself so that "not set" (the default) can
// be told apart from "set to the default value" and restored as such.
#include "engine/sysproxy/system_proxy_backend.h"

#if PROXYSCOPE_HAS_GIO
#include <gio/gio.h>
#endif

#include <array>

namespace ps::engine {

#if PROXYSCOPE_HAS_GIO
namespace {

struct KeyRef {
  const char* schema;
  const char* key;
};
// Every key apply() writes. The ids in PriorState are "schema:key".
constexpr std::array<KeyRef, 6> kKeys{{
    {"org.gnome.system.proxy", "mode"},
    {"org.gnome.system.proxy", "ignore-hosts"},
    {"org.gnome.system.proxy.http", "host"},
    {"org.gnome.system.proxy.http", "port"},
    {"org.gnome.system.proxy.https", "host"},
    {"org.gnome.system.proxy.https", "port"},
}};

std::string keyId(const KeyRef& k) { return std::string(k.schema) + ":" + k.key; }

bool schemaInstalled(const char* schema) {
  GSettingsSchemaSource* source = g_settings_schema_source_get_default();
  if (source == nullptr) return false;
  GSettingsSchema* found = g_settings_schema_source_lookup(source, schema, TRUE);
  if (found == nullptr) return false;
  g_settings_schema_unref(found);
  return true;
}

std::string printVariant(GVariant* v) {
  gchar* text = g_variant_print(v, TRUE);
  std::string out(text);
  g_free(text);
  return out;
}

class GnomeProxyBackend final : public SystemProxyBackend {
 public:
  std::string name() const override { return "gnome"; }

  bool available() const override {
    return schemaInstalled("org.gnome.system.proxy") && schemaInstalled("org.gnome.system.proxy.http") &&
           schemaInstalled("org.gnome.system.proxy.https");
  }

  Result<PriorState> capture() const override {
    if (!available()) return Error{"GSettings schema org.gnome.system.proxy is not installed"};
    PriorState state;
    for (const auto& k : kKeys) {
      GSettings* settings = g_settings_new(k.schema);
      PriorValue prior;
      if (GVariant* user = g_settings_get_user_value(settings, k.key)) {
        prior.set = true;
        prior.value = printVariant(user);
        g_variant_unref(user);
      } else {
        GVariant* current = g_settings_get_value(settings, k.key);
        prior.value = printVariant(current);
        g_variant_unref(current);
      }
      g_object_unref(settings);
      state[keyId(k)] = std::move(prior);
    }
    return state;
  }

  Result<void> apply(const ProxyTarget& target) override {
    if (!available()) return Error{"GSettings schema org.gnome.system.proxy is not installed"};
    GSettings* proxy = g_settings_new("org.gnome.system.proxy");
    GSettings* http = g_settings_new("org.gnome.system.proxy.http");
    GSettings* https = g_settings_new("org.gnome.system.proxy.https");
    std::vector<const gchar*> bypass;
    for (const auto& b : target.bypass) bypass.push_back(b.c_str());
    bypass.push_back(nullptr);
    bool ok = g_settings_set_strv(proxy, "ignore-hosts", bypass.data()) &&
              g_settings_set_string(http, "host", target.host.c_str()) &&
              g_settings_set_int(http, "port", target.port) &&
              g_settings_set_string(https, "host", target.host.c_str()) &&
              g_settings_set_int(https, "port", target.port) &&
              // mode last: apps watching the mode see a complete configuration when it flips.
              g_settings_set_string(proxy, "mode", "manual");
    g_settings_sync();
    g_object_unref(proxy);
    g_object_unref(http);
    g_object_unref(https);
    if (!ok) return Error{"GSettings refused a proxy key (is the org.gnome.system.proxy schema writable?)"};
    return {};
  }

  Result<void> restore(const PriorState& prior) override {
    if (!available()) return Error{"GSettings schema org.gnome.system.proxy is not installed"};
    std::string failures;
    // mode first: apps stop using the proxy before its host/port change under them.
    for (const auto& k : kKeys) {
      auto it = prior.find(keyId(k));
      if (it == prior.end()) continue;  // not captured: leave it alone
      GSettings* settings = g_settings_new(k.schema);
      if (!it->second.set) {
        g_settings_reset(settings, k.key);
      } else {
        GVariant* current = g_settings_get_value(settings, k.key);
        GError* error = nullptr;
        GVariant* value = g_variant_parse(g_variant_get_type(current), it->second.value.c_str(), nullptr, nullptr, &error);
        g_variant_unref(current);
        if (value == nullptr) {
          failures += keyId(k) + ": " + (error != nullptr ? error->message : "unparsable value") + "; ";
          if (error != nullptr) g_error_free(error);
        } else if (!g_settings_set_value(settings, k.key, value)) {  // consumes the floating ref
          failures += keyId(k) + ": not writable; ";
        }
      }
      g_object_unref(settings);
    }
    g_settings_sync();
    if (!failures.empty()) return Error{"could not restore GSettings " + failures};
    return {};
  }

  std::vector<std::string> priorBypass(const PriorState& prior) const override {
    auto hosts = prior.find("org.gnome.system.proxy:ignore-hosts");
    // Not set: the schema default, which is what GLib parses below too.
    std::string text = hosts != prior.end() && hosts->second.set ? hosts->second.value
                                                                  : "['localhost', '127.0.0.0/8', '::1']";
    std::vector<std::string> out;
    GVariant* v = g_variant_parse(G_VARIANT_TYPE_STRING_ARRAY, text.c_str(), nullptr, nullptr, nullptr);
    if (v == nullptr) return out;
    gsize n = 0;
    const gchar** items = g_variant_get_strv(v, &n);
    for (gsize i = 0; i < n; ++i) out.emplace_back(items[i]);
    g_free(items);
    g_variant_unref(v);
    return out;
  }

  std::string priorHttpProxy(const PriorState& prior) const override {
    auto mode = prior.find("org.gnome.system.proxy:mode");
    auto host = prior.find("org.gnome.system.proxy.http:host");
    auto port = prior.find("org.gnome.system.proxy.http:port");
    if (mode == prior.end() || host == prior.end() || port == prior.end()) return {};
    if (mode->second.value != "'manual'") return {};
    std::string h = host->second.value;  // GVariant text: 'proxy.corp'
    if (h.size() < 3 || h.front() != '\'') return {};
    h = h.substr(1, h.size() - 2);
    std::string p = port->second.value;  // "3128" (or "int32 3128" when typed)
    if (auto space = p.rfind(' '); space != std::string::npos) p = p.substr(space + 1);
    if (h.empty() || p.empty() || p == "0") return {};
    return h + ":" + p;
  }
};

}  // namespace

std::unique_ptr<SystemProxyBackend> makeGnomeProxyBackend() { return std::make_unique<GnomeProxyBackend>(); }

#else

std::unique_ptr<SystemProxyBackend> makeGnomeProxyBackend() { return nullptr; }

#endif

}  // namespace ps::engine
