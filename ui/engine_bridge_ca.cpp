// EngineBridge, certificate part: what the "HTTPS certificate" dialog shows and does with
// Proxyscope's CA (engine/tls). A regenerated CA is used by the engine from its next start.
#include "engine/tls/certificate_authority.h"
#include "engine/tls/trust_instructions.h"
#include "ui/engine_bridge.h"

namespace ps::ui {

namespace tls = ps::engine::tls;

namespace {

std::string dataDirOf(engine::Engine& engine) {
  auto config = engine.config();
  return config && !config->dataDir.empty() ? config->dataDir : tls::defaultDataDirectory();
}

EngineBridge::CaInfo describe(const engine::Result<std::shared_ptr<tls::CertificateAuthority>>& ca, const std::string& dataDir) {
  EngineBridge::CaInfo info;
  if (!ca) {
    info.error = QString::fromStdString(ca.error().message);
    return info;
  }
  const std::string certPath = dataDir + "/" + tls::CertificateAuthority::kCertFileName;
  info.subject = QString::fromStdString((*ca)->subjectName());
  info.fingerprint = QString::fromStdString((*ca)->fingerprintSha256());
  info.certPath = QString::fromStdString(certPath);
  info.instructions = QString::fromStdString(tls::allTrustInstructions(certPath));
  return info;
}

}  // namespace

EngineBridge::CaInfo EngineBridge::caInfo() const {
  const std::string dir = dataDirOf(m_engine);
  return describe(tls::CertificateAuthority::loadOrCreate(dir), dir);
}

QString EngineBridge::exportCa(const QString& path, bool der) const {
  auto written = tls::exportCaCertificate(dataDirOf(m_engine), path.toStdString(),
                                          der ? tls::CertificateFormat::Der : tls::CertificateFormat::Pem);
  return written ? QString() : QString::fromStdString(written.error().message);
}

EngineBridge::CaInfo EngineBridge::regenerateCa() {
  const std::string dir = dataDirOf(m_engine);
  return describe(tls::CertificateAuthority::regenerate(dir), dir);
}

}  // namespace ps::ui
