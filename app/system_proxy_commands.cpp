// --system-proxy (SystemProxyRun), the hidden watchdog entry, `proxyscope env` and
// `proxyscope launch chromium|firefox`.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "app/capture_session.h"
#include "app/system_proxy_run.h"
#include "app/tool_commands.h"
#include "engine/sysproxy/app_launcher.h"
#include "engine/sysproxy/launched_apps.h"
#include "engine/sysproxy/system_proxy_backend.h"
#include "engine/tls/certificate_authority.h"

namespace ps::app {

using engine::Error;
using engine::Result;

namespace {

// The Proxyscope CA's certificate (created on first use, as a proxy run would); "" with a message
// on stderr when it cannot be had.
std::string caCertificatePath(const std::string& dataDir) {
  auto ca = engine::tls::CertificateAuthority::loadOrCreate(dataDir);
  if (!ca) {
    std::fprintf(stderr, "proxyscope: %s\n", ca.error().message.c_str());
    return {};
  }
  return (*ca)->certPath();
}

// "--listen HOST:PORT" / "--data-dir DIR" after the sub-command word (the main parser stops there).
struct ToolArgs {
  Options options;
  std::vector<std::string> positional;
  std::vector<std::string> passThrough;  // after "--"
  std::string error;
};

ToolArgs parseToolArgs(const Options& base, const std::vector<std::string>& args) {
  ToolArgs out{base, {}, {}, {}};
  for (size_t i = 0; i < args.size(); ++i) {
    const auto& a = args[i];
    if (a == "--") {
      out.passThrough.assign(args.begin() + static_cast<long>(i) + 1, args.end());
      break;
    }
    if ((a == "--listen" || a == "--data-dir") && i + 1 < args.size()) {
      if (a == "--data-dir") {
        out.options.dataDir = args[++i];
        continue;
      }
      auto ep = engine::parseEndpoint(args[++i]);
      if (!ep) out.error = "--listen: " + ep.error().message;
      else out.options.listen = *ep;
    } else if (a.starts_with("-")) {
      out.error = "unknown option '" + a + "'";
    } else {
      out.positional.push_back(a);
    }
  }
  return out;
}

}  // namespace

std::string selfExecutablePath() {
  std::error_code ec;
  auto path = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::string("proxyscope") : path.string();
}

SystemProxyRun::SystemProxyRun(const std::string& dataDir)
    : m_manager(std::make_unique<engine::SystemProxyManager>(dataDir, engine::platformProxyBackends())) {
  m_manager->setWatchdogCommand({selfExecutablePath(), "--sysproxy-watchdog"});
}

SystemProxyRun::~SystemProxyRun() {
  if (m_enabled) (void)disable();
}

Result<std::string> SystemProxyRun::recoverStale() {
  auto recovered = m_manager->recoverStale();
  if (!recovered) return recovered.error();
  return recovered->value_or(std::string());
}

Result<void> SystemProxyRun::enable(const engine::Endpoint& listen) {
  if (m_manager->backendNames().empty()) {
    return Error{"no system proxy settings found to change (GNOME gsettings or KDE kwriteconfig); "
                 "use `proxyscope env` for a terminal instead"};
  }
  engine::ProxyTarget target;
  target.host = listen.host == "0.0.0.0" || listen.host == "::" ? std::string("127.0.0.1") : listen.host;
  target.port = listen.port;
  auto enabled = m_manager->enable(target);
  if (enabled) m_enabled = true;
  return enabled;
}

Result<void> SystemProxyRun::disable() {
  m_enabled = false;
  return m_manager->disable();
}

std::string SystemProxyRun::priorHttpProxy() const { return m_manager->priorHttpProxy(); }
std::vector<std::string> SystemProxyRun::priorBypass() const { return m_manager->priorBypass(); }

std::optional<int> runWatchdogIfRequested(int argc, char** argv) {
  if (argc < 2 || std::string_view(argv[1]) != "--sysproxy-watchdog") return std::nullopt;
  if (argc != 4) {
    std::fputs("proxyscope: usage: proxyscope --sysproxy-watchdog JOURNAL PID\n", stderr);
    return 2;
  }
  int pid = std::atoi(argv[3]);
  if (pid <= 0) return 2;
  return engine::SystemProxyManager::runWatchdog(argv[2], pid, engine::platformProxyBackends());
}

int runEnvCommand(const Options& options, const std::vector<std::string>& args) {
  auto parsed = parseToolArgs(options, args);
  if (!parsed.error.empty() || !parsed.positional.empty()) {
    std::fprintf(stderr, "proxyscope: usage: proxyscope env [--listen HOST:PORT] [--data-dir DIR]%s%s\n",
                 parsed.error.empty() ? "" : ": ", parsed.error.c_str());
    return 2;
  }
  auto dataDir = resolveDataDir(parsed.options);
  if (!dataDir) {
    std::fprintf(stderr, "proxyscope: %s\n", dataDir.error().message.c_str());
    return 1;
  }
  std::string ca = caCertificatePath(*dataDir);
  std::string bundle;
  if (!ca.empty()) {
    auto written = engine::writeCombinedCaBundle(*dataDir, ca);
    if (!written) {
      std::fprintf(stderr, "proxyscope: %s\n", written.error().message.c_str());
      return 1;
    }
    bundle = *written;
  } else {
    std::fputs("# no Proxyscope CA available: HTTPS is tunnelled, not inspected\n", stdout);
  }
  // Loopback is proxied too (local development servers are the point); without a CA yet the CA
  // variables are left out rather than exported empty (an empty SSL_CERT_FILE breaks TLS clients).
  std::string exports = engine::shellExports(parsed.options.listen, bundle, ca);
  size_t start = 0;
  while (start < exports.size()) {
    size_t end = exports.find('\n', start);
    if (end == std::string::npos) end = exports.size();
    std::string line = exports.substr(start, end - start);
    if (!line.ends_with("=''")) std::printf("%s\n", line.c_str());
    start = end + 1;
  }
  return 0;
}

int runLaunchCommand(const Options& options, const std::vector<std::string>& args) {
  auto parsed = parseToolArgs(options, args);
  const bool known = !parsed.positional.empty() && (parsed.positional[0] == "chromium" || parsed.positional[0] == "firefox");
  if (!parsed.error.empty() || !known || parsed.positional.size() > 2) {
    std::fprintf(stderr, "proxyscope: usage: proxyscope launch chromium|firefox [URL] [--listen HOST:PORT] [-- ARGS]%s%s\n",
                 parsed.error.empty() ? "" : ": ", parsed.error.c_str());
    return 2;
  }
  auto dataDir = resolveDataDir(parsed.options);
  if (!dataDir) {
    std::fprintf(stderr, "proxyscope: %s\n", dataDir.error().message.c_str());
    return 1;
  }
  std::string ca = caCertificatePath(*dataDir);
  if (ca.empty()) {
    return 1;
  }
  std::string url = parsed.positional.size() > 1 ? parsed.positional[1] : std::string();
  engine::Endpoint proxy = parsed.options.listen;
  if (proxy.host == "0.0.0.0" || proxy.host == "::") proxy.host = "127.0.0.1";
  auto spec = parsed.positional[0] == "firefox" ? engine::firefoxLaunch(proxy, ca, url, parsed.passThrough)
                                                : engine::chromiumLaunch(proxy, ca, url, parsed.passThrough);
  if (!spec) {
    std::fprintf(stderr, "proxyscope: %s\n", spec.error().message.c_str());
    return 1;
  }
  if (!spec->note.empty()) std::fprintf(stderr, "proxyscope: %s\n", spec->note.c_str());
  // Runs the browser in the foreground and removes its temporary profile when it exits.
  std::vector<char*> argv;
  argv.push_back(spec->program.data());
  for (auto& a : spec->args) argv.push_back(a.data());
  argv.push_back(nullptr);
  // The child waits at a gate until its pid is announced to the proxy (DATA_DIR/launched/<pid>),
  // so even its first connection is tagged app:<name>.
  int gate[2] = {-1, -1};
  if (pipe2(gate, O_CLOEXEC) != 0) {
    std::perror("proxyscope: pipe");
    return 1;
  }
  pid_t pid = fork();
  if (pid == 0) {
    close(gate[1]);
    char c = 0;
    while (read(gate[0], &c, 1) < 0 && errno == EINTR) {
    }
    execvp(spec->program.c_str(), argv.data());  // program is a name found in PATH
    _exit(127);
  }
  close(gate[0]);
  if (pid > 0) {
    auto announced = engine::announceLaunchedApp(*dataDir, pid, spec->appTag);
    if (!announced) std::fprintf(stderr, "proxyscope: its flows are not tagged: %s\n", announced.error().message.c_str());
  }
  close(gate[1]);  // end of file: the child goes on to exec
  int status = 0;
  if (pid > 0) {
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    engine::withdrawLaunchedApp(*dataDir, pid);
  }
  std::error_code ec;
  std::filesystem::remove_all(spec->profileDir, ec);
  if (pid < 0) return 1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

}  // namespace ps::app
