#include "engine/tls/tls_interceptor.h"

#include <filesystem>

#include "engine/net/client_connection.h"
#include "engine/net/deadline.h"
#include "engine/tls/client_hello.h"
#include "engine/tls/tls_stream.h"

namespace ps::engine::tls {
namespace {

std::string rejectionAdvice(const std::string& host, const HandshakeOutcome& outcome, bool closedAfterHandshake) {
  std::string what = closedAfterHandshake
                         ? "the client closed the connection right after the TLS handshake"
                         : "the client rejected Proxyscope's certificate for " + host +
                               (outcome.alert.empty() ? std::string() : " (alert " + outcome.alert + ")");
  return what + ": this client does not trust the Proxyscope CA (install it: `proxyscope ca export`), "
                "or it pins the site's certificate (pinned certificate? add " + host + " to --pass-through)";
}

}  // namespace

TlsInterceptor::TlsInterceptor(std::string dataDir, std::shared_ptr<KeyLog> keyLog, TlsOptions options,
                               std::shared_ptr<ServerTlsContext> server)
    : m_dataDir(std::move(dataDir)), m_keyLog(std::move(keyLog)), m_options(std::move(options)), m_server(std::move(server)) {}

Result<std::shared_ptr<ServerTlsContext>> TlsInterceptor::server() {
  std::lock_guard lock(m_mutex);
  if (m_server) return m_server;
  auto ca = CertificateAuthority::loadOrCreate(m_dataDir);
  if (!ca) return ca.error();
  auto created = ServerTlsContext::create(*ca, m_keyLog);
  if (!created) return created.error();
  m_server = *created;
  return m_server;
}

bool TlsInterceptor::wantsTunnel(const net::UpstreamTarget& target) {
  if (hostMatchesAny(target.host, m_options.passThrough)) return false;
  if (!m_options.interceptOnly.empty() && !hostMatchesAny(target.host, m_options.interceptOnly)) return false;
  return true;
}

asio::awaitable<bool> TlsInterceptor::intercept(net::TunnelContext& tunnel) {
  if (!looksLikeTlsClientHello(tunnel.firstBytes)) co_return false;  // not TLS: a plain tunnel
  const auto& config = *tunnel.connection.config;
  // RFC 6066 §3: the certificate must match the name the client will check, which is the SNI;
  // without SNI (IP literals) the client checks the CONNECT host.
  std::string host = extractSni(tunnel.firstBytes).value_or(tunnel.target.host);

  auto server = this->server();
  if (!server) {
    tunnel.tunnelFlow.error = FlowError{ErrorKind::Internal, "cannot intercept " + host + ": " + server.error().message};
    co_return false;
  }
  SslPtr ssl(SSL_new((*server)->native()));
  if (!ssl) co_return false;
  if (auto used = (*server)->useCertificateFor(ssl.get(), host); !used) {
    tunnel.tunnelFlow.error = FlowError{ErrorKind::Internal, used.error().message};
    co_return false;
  }
  // The upstream TCP connection the tunnel opened is not needed: decrypted requests go through
  // the upstream pool over TLS, like any https request.
  std::error_code ignored;
  tunnel.upstream.close(ignored);

  auto tls = std::make_unique<TlsStream>(std::move(tunnel.clientStream), std::move(ssl), TlsStream::Role::Server);
  tls->feed(tunnel.firstBytes);
  net::StreamRegistration registration(tunnel.connection.worker, tls.get());
  net::Deadline deadline(tls->socket().get_executor(), tls.get());
  deadline.arm(config.timeouts.clientHeaders);
  HandshakeOutcome outcome = co_await tls->handshake();
  Flow& flow = tunnel.tunnelFlow;
  flow.tags.push_back(kTagIntercepted);
  if (!outcome.ok) {
    deadline.disarm();
    if (deadline.expired()) {
      flow.error = FlowError{ErrorKind::ClientTimeout, "TLS handshake with the client timed out"};
    } else if (outcome.peerRejectedCertificate) {
      flow.error = FlowError{ErrorKind::ClientTls, rejectionAdvice(host, outcome, false)};
    } else {
      flow.error = FlowError{ErrorKind::ClientTls, "TLS handshake with the client failed for " + host + ": " + outcome.message};
    }
    tls->close();
    co_return true;
  }
  flow.timing.end = nowMicros();

  // A client that silently distrusts us completes the handshake and hangs up at once; that
  // gets the same explaining flow. The first decrypted bytes go on to the HTTP code.
  std::string first(16 * 1024, '\0');
  deadline.arm(config.timeouts.clientIdle);
  auto r = co_await tls->readSome(asio::buffer(first));
  deadline.disarm();
  if (r.ec || r.bytes == 0) {
    if (!deadline.expired()) {
      flow.error = FlowError{ErrorKind::ClientTls, rejectionAdvice(host, outcome, true)};
    }
    tls->close();
    co_return true;
  }
  first.resize(r.bytes);

  net::ClientInfo info = tunnel.client;
  info.secure = true;
  net::UpstreamTarget target = tunnel.target;
  target.scheme = "https";
  target.tls = true;
  info.tunnelTarget = target;
  registration.reset(nullptr);  // serveHttp registers the stream it serves
  co_await net::serveHttp(tunnel.connection, std::move(tls), std::move(info), std::move(first));
  co_return true;
}

net::UpstreamTlsConnector makeUpstreamTlsConnector(std::shared_ptr<UpstreamTlsContext> context) {
  return [context](net::tcp::socket socket, const net::UpstreamTarget& target,
                   std::chrono::milliseconds timeout) -> asio::awaitable<Result<std::unique_ptr<net::Stream>>> {
    SslPtr ssl(SSL_new(context->native()));
    if (!ssl) co_return Error{"TLS to " + target.authority() + ": " + takeOpenSslErrors()};
    if (auto prepared = context->prepare(ssl.get(), target.host); !prepared) co_return prepared.error();
    SSL* raw = ssl.get();
    auto tls = std::make_unique<TlsStream>(std::make_unique<net::TcpStream>(std::move(socket)), std::move(ssl),
                                           TlsStream::Role::Client);
    net::Deadline deadline(tls->socket().get_executor(), tls.get());
    deadline.arm(timeout);
    HandshakeOutcome outcome = co_await tls->handshake();
    deadline.disarm();
    if (!outcome.ok) {
      tls->close();
      if (deadline.expired()) co_return Error{"TLS handshake with " + target.authority() + " timed out"};
      long verify = SSL_get_verify_result(raw);
      if (verify != X509_V_OK) {
        co_return Error{"upstream certificate of " + target.authority() + " rejected: " +
                        describeVerifyFailure(raw, target.host) + " (to accept it anyway: --insecure-upstream " +
                        target.host + ")"};
      }
      co_return Error{"TLS handshake with " + target.authority() + " failed: " + outcome.message};
    }
    tls->setInsecure(context->isInsecure(target.host));
    co_return std::unique_ptr<net::Stream>(std::move(tls));
  };
}

Result<TlsHooks> makeTlsHooks(const EngineConfig& config) {
  TlsHooks hooks;
  const TlsOptions& options = config.tls;
  std::shared_ptr<KeyLog> keyLog;
  if (!options.keyLogFile.empty()) {
    auto opened = KeyLog::open(options.keyLogFile);
    if (!opened) return opened.error();
    keyLog = *opened;
  }
  UpstreamTlsOptions upstream;
  upstream.extraCaFile = options.upstreamCaFile;
  upstream.insecureHosts = options.insecureUpstream;
  upstream.keyLog = keyLog;
  auto upstreamContext = UpstreamTlsContext::create(std::move(upstream));
  if (!upstreamContext) return upstreamContext.error();
  hooks.upstreamTls = makeUpstreamTlsConnector(*upstreamContext);
  if (config.mode != ProxyMode::Forward || !options.intercept) return hooks;

  std::string dataDir = config.dataDir.empty() ? defaultDataDirectory() : config.dataDir;
  std::shared_ptr<ServerTlsContext> server;
  std::error_code ec;
  if (std::filesystem::exists(std::filesystem::path(dataDir) / CertificateAuthority::kKeyFileName, ec) ||
      std::filesystem::exists(std::filesystem::path(dataDir) / CertificateAuthority::kCertFileName, ec)) {
    auto ca = CertificateAuthority::load(dataDir);
    if (!ca) return ca.error();
    auto created = ServerTlsContext::create(*ca, keyLog);
    if (!created) return created.error();
    server = *created;
  }
  hooks.interceptor = std::make_shared<TlsInterceptor>(dataDir, keyLog, options, std::move(server));
  return hooks;
}

}  // namespace ps::engine::tls
