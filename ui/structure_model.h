#pragma once
// StructureModel: the capture as a tree (Charles' structure view): host → path segments, each
// node with the number of flows at or below it. Fed by the bridge's batches (inserted rows only:
// a flow's host and path are known from its first event). Selecting a node gives a filter that
// shows exactly its flows (filterFor).
#include <QAbstractItemModel>
#include <QHash>
#include <memory>
#include <vector>

#include "ui/flow_row.h"

namespace ps::ui {

class StructureModel : public QAbstractItemModel {
  Q_OBJECT

 public:
  enum Column { ColName = 0, ColCount, ColumnCount };
  static constexpr int kMaxDepth = 8;  // path segments below the host; deeper ones fold into the last

  explicit StructureModel(QObject* parent = nullptr);
  ~StructureModel() override;

  QModelIndex index(int row, int column, const QModelIndex& parent = {}) const override;
  QModelIndex parent(const QModelIndex& child) const override;
  int rowCount(const QModelIndex& parent = {}) const override;
  int columnCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
  QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

  void addFlow(const QString& host, const QString& path, int count = 1);
  void addRows(const std::vector<FlowRow>& rows);
  void clear();
  int totalFlows() const { return m_total; }
  // The filter text for a node: "host:=example.com" or "host:=example.com path:~^/a/b(/|\?|$)".
  QString filterFor(const QModelIndex& index) const;
  // Finds a node by host and segments (tests).
  QModelIndex find(const QString& host, const QStringList& segments = {}) const;

 public slots:
  void applyBatch(const ps::ui::FlowBatch& batch) { addRows(batch.inserted); }

 private:
  struct Node {
    QString name;
    int count = 0;
    Node* parent = nullptr;
    int row = 0;  // position in parent's children
    std::vector<std::unique_ptr<Node>> children;
    QHash<QString, Node*> byName;
  };
  Node* nodeOf(const QModelIndex& index) const;
  QModelIndex indexOf(Node* node, int column = 0) const;
  Node* child(Node* parent, const QString& name);

  Node m_root;
  int m_total = 0;
};

}  // namespace ps::ui
