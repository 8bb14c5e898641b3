#pragma once
// StoredView: drives the flow table's store-backed view of an opened session file (see
// FlowTableModel's stored view). When the bridge opens a file, the table switches to the file's
// ids; a header click, a filter bar change or a new file asks the store for a new order
// (EngineBridge::queryViewOrder, a pool thread); the rows a paint lacks are fetched in blocks
// (EngineBridge::fetchViewRows). The GUI thread only swaps vectors. Live capture is untouched:
// its first batch, Clear or New Session end the stored view.
#include <QObject>
#include <QString>
#include <cstdint>
#include <memory>
#include <vector>

namespace ps::engine {
class Filter;
}

namespace ps::ui {

class MainWindow;

class StoredView : public QObject {
  Q_OBJECT

 public:
  explicit StoredView(MainWindow& window);

  // Orders asked for and not yet applied (tests and benchmarks wait for 0).
  bool orderPending() const { return m_applied != m_token; }

 signals:
  // A new order is on screen (rows = flows the filter kept); error non-empty when the store failed.
  void orderApplied(qint64 rows, const QString& error);

 private:
  void onOpened();
  void onFilterApplied(const QString& text);
  void requestOrder();
  void onOrder(uint64_t token, std::vector<uint64_t> ids, const QString& error);

  MainWindow& m_window;
  std::shared_ptr<const engine::Filter> m_filter;  // null = every flow
  QString m_filterText;
  uint64_t m_token = 0;    // latest order asked for
  uint64_t m_applied = 0;  // latest order on screen (or dropped as failed)
};

// Creates the StoredView of a window (owned by it); MainWindow's constructor calls this.
StoredView* installStoredView(MainWindow& window);

}  // namespace ps::ui
