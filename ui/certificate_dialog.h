#pragma once
// CertificateDialog (Tools → HTTPS certificate…): Proxyscope's CA subject and fingerprint, Export
// (PEM or DER), Regenerate (after a warning) and the per-OS steps to trust it.
#include <QDialog>

class QLabel;
class QPlainTextEdit;

namespace ps::ui {

class EngineBridge;
class MainWindow;

class CertificateDialog : public QDialog {
  Q_OBJECT

 public:
  explicit CertificateDialog(EngineBridge& bridge, QWidget* parent = nullptr);

 private:
  void refresh();
  void exportCertificate();
  void regenerate();

  EngineBridge& m_bridge;
  QLabel* m_subject = nullptr;
  QLabel* m_fingerprint = nullptr;
  QLabel* m_path = nullptr;
  QPlainTextEdit* m_instructions = nullptr;
};

// Adds Tools → "HTTPS certificate…" to window.
void installCertificateUi(MainWindow& window);

}  // namespace ps::ui
