#include "ui/structure_model.h"

#include <QRegularExpression>

namespace ps::ui {

StructureModel::StructureModel(QObject* parent) : QAbstractItemModel(parent) {}
StructureModel::~StructureModel() = default;

StructureModel::Node* StructureModel::nodeOf(const QModelIndex& index) const {
  return index.isValid() ? static_cast<Node*>(index.internalPointer()) : const_cast<Node*>(&m_root);
}

QModelIndex StructureModel::indexOf(Node* node, int column) const {
  if (node == nullptr || node == &m_root) return {};
  return createIndex(node->row, column, node);
}

QModelIndex StructureModel::index(int row, int column, const QModelIndex& parent) const {
  if (row < 0 || column < 0 || column >= ColumnCount || parent.column() > 0) return {};
  Node* p = nodeOf(parent);
  if (static_cast<size_t>(row) >= p->children.size()) return {};
  return createIndex(row, column, p->children[static_cast<size_t>(row)].get());
}

QModelIndex StructureModel::parent(const QModelIndex& child) const {
  if (!child.isValid()) return {};
  return indexOf(nodeOf(child)->parent);
}

int StructureModel::rowCount(const QModelIndex& parent) const {
  if (parent.column() > 0) return 0;
  return static_cast<int>(nodeOf(parent)->children.size());
}

int StructureModel::columnCount(const QModelIndex&) const { return ColumnCount; }

QVariant StructureModel::data(const QModelIndex& index, int role) const {
  if (!index.isValid()) return {};
  const Node* node = nodeOf(index);
  if (role == Qt::DisplayRole) {
    if (index.column() == ColCount) return node->count;
    return node->name;
  }
  if (role == Qt::TextAlignmentRole && index.column() == ColCount) {
    return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
  }
  if (role == Qt::ToolTipRole) return filterFor(index);
  return {};
}

QVariant StructureModel::headerData(int section, Qt::Orientation orientation, int role) const {
  if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
  return section == ColName ? tr("Host / path") : tr("Flows");
}

StructureModel::Node* StructureModel::child(Node* parent, const QString& name) {
  if (Node* found = parent->byName.value(name, nullptr)) return found;
  const int row = static_cast<int>(parent->children.size());
  // Appended in arrival order (sorting is the view's job): one insert per new node.
  beginInsertRows(indexOf(parent), row, row);
  auto node = std::make_unique<Node>();
  node->name = name;
  node->parent = parent;
  node->row = row;
  Node* raw = node.get();
  parent->children.push_back(std::move(node));
  parent->byName.insert(name, raw);
  endInsertRows();
  return raw;
}

void StructureModel::addFlow(const QString& host, const QString& path, int count) {
  if (host.isEmpty()) return;
  QString p = path;
  const qsizetype query = p.indexOf(QLatin1Char('?'));
  if (query >= 0) p.truncate(query);
  QStringList segments = p.split(QLatin1Char('/'), Qt::SkipEmptyParts);
  if (segments.size() > kMaxDepth) {
    const QStringList rest = segments.mid(kMaxDepth - 1);
    segments = segments.mid(0, kMaxDepth - 1);
    segments << rest.join(QLatin1Char('/'));
  }
  std::vector<Node*> touched;
  Node* node = child(&m_root, host);
  touched.push_back(node);
  for (const QString& s : segments) {
    node = child(node, s);
    touched.push_back(node);
  }
  for (Node* n : touched) {
    n->count += count;
    const QModelIndex countIndex = indexOf(n, ColCount);
    emit dataChanged(countIndex, countIndex, {Qt::DisplayRole});
  }
  m_total += count;
}

void StructureModel::addRows(const std::vector<FlowRow>& rows) {
  for (const FlowRow& row : rows) {
    if (row.kind == RowKind::Tunnel) {
      addFlow(row.host, {});
    } else {
      addFlow(row.host, row.path);
    }
  }
}

void StructureModel::clear() {
  beginResetModel();
  m_root.children.clear();
  m_root.byName.clear();
  m_total = 0;
  endResetModel();
}

QString StructureModel::filterFor(const QModelIndex& index) const {
  if (!index.isValid()) return {};
  QStringList segments;
  const Node* node = nodeOf(index);
  while (node->parent != &m_root) {
    segments.prepend(node->name);
    node = node->parent;
  }
  const auto quoted = [](const QString& value) {
    // Quote values with blanks, quotes or parentheses so the lexer keeps them one term.
    static const QRegularExpression special(QStringLiteral("[\\s\"()]"));
    if (!value.contains(special)) return value;
    QString escaped = value;
    escaped.replace(QLatin1Char('\\'), QStringLiteral("\\\\")).replace(QLatin1Char('"'), QStringLiteral("\\\""));
    return QStringLiteral("\"%1\"").arg(escaped);
  };
  QString filter = QStringLiteral("host:=") + quoted(node->name);
  if (!segments.isEmpty()) {
    // A path prefix that ends at a segment boundary: /api matches /api and /api/x, not /apix.
    const QString prefix = QLatin1Char('/') + segments.join(QLatin1Char('/'));
    filter += QStringLiteral(" path:~") + quoted(QLatin1Char('^') + QRegularExpression::escape(prefix) + QStringLiteral("(/|$)"));
  }
  return filter;
}

QModelIndex StructureModel::find(const QString& host, const QStringList& segments) const {
  const Node* node = m_root.byName.value(host, nullptr);
  for (const QString& s : segments) {
    if (node == nullptr) return {};
    node = node->byName.value(s, nullptr);
  }
  return node == nullptr ? QModelIndex() : createIndex(node->row, 0, const_cast<Node*>(node));
}

}  // namespace ps::ui
