#include "ui/certificate_dialog.h"

#include <QAction>
#include <QDialogButtonBox>
#include <QFileDialog>
#include <QFontDatabase>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QMenu>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QVBoxLayout>

#include "ui/engine_bridge.h"
#include "ui/main_window.h"

namespace ps::ui {

CertificateDialog::CertificateDialog(EngineBridge& bridge, QWidget* parent) : QDialog(parent), m_bridge(bridge) {
  setWindowTitle(tr("HTTPS Certificate"));
  resize(720, 560);
  auto* layout = new QVBoxLayout(this);
  auto* form = new QFormLayout;
  m_subject = new QLabel(this);
  m_fingerprint = new QLabel(this);
  m_path = new QLabel(this);
  for (QLabel* label : {m_subject, m_fingerprint, m_path}) {
    label->setTextInteractionFlags(Qt::TextSelectableByMouse);
    label->setWordWrap(true);
  }
  m_fingerprint->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
  form->addRow(tr("Subject:"), m_subject);
  form->addRow(tr("SHA-256:"), m_fingerprint);
  form->addRow(tr("File:"), m_path);
  layout->addLayout(form);
  layout->addWidget(new QLabel(tr("To inspect HTTPS, clients must trust this certificate:"), this));
  m_instructions = new QPlainTextEdit(this);
  m_instructions->setReadOnly(true);
  m_instructions->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
  layout->addWidget(m_instructions, 1);
  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
  QPushButton* exportButton = buttons->addButton(tr("Export…"), QDialogButtonBox::ActionRole);
  QPushButton* regenerateButton = buttons->addButton(tr("Regenerate…"), QDialogButtonBox::ActionRole);
  connect(exportButton, &QPushButton::clicked, this, &CertificateDialog::exportCertificate);
  connect(regenerateButton, &QPushButton::clicked, this, &CertificateDialog::regenerate);
  connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
  layout->addWidget(buttons);
  refresh();
}

void CertificateDialog::refresh() {
  const EngineBridge::CaInfo info = m_bridge.caInfo();
  if (!info.error.isEmpty()) {
    m_subject->setText(tr("No certificate: %1").arg(info.error));
    return;
  }
  m_subject->setText(info.subject);
  m_fingerprint->setText(info.fingerprint);
  m_path->setText(info.certPath);
  m_instructions->setPlainText(info.instructions);
}

void CertificateDialog::exportCertificate() {
  QString selected;
  QString path = QFileDialog::getSaveFileName(this, tr("Export CA Certificate"), QStringLiteral("proxyscope-ca.pem"),
                                              tr("PEM certificate (*.pem *.crt);;DER certificate (*.der *.cer)"), &selected);
  if (path.isEmpty()) return;
  const bool der = selected.startsWith(QLatin1String("DER")) || path.endsWith(QLatin1String(".der")) ||
                   path.endsWith(QLatin1String(".cer"));
  QString error = m_bridge.exportCa(path, der);
  if (!error.isEmpty()) QMessageBox::warning(this, windowTitle(), tr("Export failed:\n%1").arg(error));
}

void CertificateDialog::regenerate() {
  auto answer = QMessageBox::warning(
      this, tr("Regenerate the CA?"),
      tr("A new CA replaces the current one. Every client that trusts the current certificate must be "
         "given the new one, or HTTPS through Proxyscope fails there. The running proxy uses the new "
         "CA after a restart (Stop, Start).\n\nRegenerate now?"),
      QMessageBox::Yes | QMessageBox::Cancel, QMessageBox::Cancel);
  if (answer != QMessageBox::Yes) return;
  const EngineBridge::CaInfo info = m_bridge.regenerateCa();
  if (!info.error.isEmpty()) QMessageBox::warning(this, windowTitle(), tr("Regenerate failed:\n%1").arg(info.error));
  refresh();
}

void installCertificateUi(MainWindow& window) {
  QAction* action = window.toolsMenu()->addAction(QObject::tr("HTTPS &Certificate…"));
  QObject::connect(action, &QAction::triggered, &window, [&window] {
    CertificateDialog dialog(window.bridge(), &window);
    dialog.exec();
  });
}

}  // namespace ps::ui
