#include "ui/topology_model.h"

#include <algorithm>

namespace ps::ui {

namespace {
QString hostOf(const QString& address) {
  // "127.0.0.1:5000" → "127.0.0.1"; "[::1]:5000" → "::1"
  if (address.startsWith('[')) return address.mid(1, address.indexOf(']') - 1);
  int colon = address.lastIndexOf(':');
  return colon > 0 && address.count(':') == 1 ? address.left(colon) : address;
}
QString plural(quint64 n, const char* one, const char* many) {
  return QStringLiteral("%1 %2").arg(n).arg(QLatin1String(n == 1 ? one : many));
}
QString joinTop(const QHash<QString, quint64>& counts, int max) {
  std::vector<std::pair<QString, quint64>> v(counts.keyValueBegin(), counts.keyValueEnd());
  std::sort(v.begin(), v.end(), [](const auto& a, const auto& b) { return a.second != b.second ? a.second > b.second : a.first < b.first; });
  QStringList parts;
  for (int i = 0; i < static_cast<int>(v.size()) && i < max; ++i) {
    parts << QStringLiteral("%1 (%2)").arg(v[static_cast<size_t>(i)].first).arg(v[static_cast<size_t>(i)].second);
  }
  return parts.join(QStringLiteral(", "));
}
}  // namespace

TopologyModel::TopologyModel(QObject* parent) : QObject(parent) { clear(); }

void TopologyModel::setMode(TopologyMode mode, const QString& proxyAddress) {
  if (mode == m_mode && proxyAddress == m_proxyAddress) return;
  m_mode = mode;
  m_proxyAddress = proxyAddress;
  clear();
}

void TopologyModel::clear() {
  m_clients.clear();
  m_servers.clear();
  m_edges.clear();
  m_removed.clear();
  m_added.clear();
  m_total = 0;
  m_tls = 0;
  m_proxy = TopologyNode{};
  m_proxy.id = QStringLiteral("proxy");
  m_proxy.role = TopologyNode::Role::Proxy;
  m_proxy.label = QStringLiteral("Proxyscope\n%1").arg(m_proxyAddress);
  emit changed();
}

TopologyNode& TopologyModel::upsert(QHash<QString, TopologyNode>& nodes, const QString& id, TopologyNode::Role role,
                                    const QString& label, const QString& filter) {
  auto it = nodes.find(id);
  if (it == nodes.end()) {
    TopologyNode n;
    n.id = id;
    n.role = role;
    n.label = label;
    n.filter = filter;
    it = nodes.insert(id, n);
  }
  return it.value();
}

void TopologyModel::addFlow(const TopologySample& s) {
  QString clientHost = hostOf(s.clientAddress);
  QString clientId = s.app.isEmpty() ? QStringLiteral("client:") + clientHost : QStringLiteral("app:") + s.app;
  QString clientLabel = s.app.isEmpty() ? clientHost : s.app;
  QString clientFilter = s.app.isEmpty() ? QStringLiteral("client:%1").arg(clientHost) : QStringLiteral("is:\"app:%1\"").arg(s.app);
  TopologyNode& client = upsert(m_clients, clientId, TopologyNode::Role::Client, clientLabel, clientFilter);

  QString serverId;
  if (m_mode == TopologyMode::Reverse) {
    QString name = s.backend.isEmpty() ? QStringLiteral("(no backend)") : s.backend;
    serverId = QStringLiteral("backend:") + name;
    upsert(m_servers, serverId, TopologyNode::Role::Backend, name,
           s.backend.isEmpty() ? QStringLiteral("-backend:~.") : QStringLiteral("backend:\"%1\"").arg(name));
  } else {
    bool defaultPort = s.port == 0 || (s.scheme == QLatin1String("https") ? s.port == 443 : s.port == 80);
    QString label = defaultPort ? s.host : QStringLiteral("%1:%2").arg(s.host).arg(s.port);
    serverId = QStringLiteral("server:") + label;
    upsert(m_servers, serverId, TopologyNode::Role::Server, label, QStringLiteral("host:\"%1\"").arg(s.host));
  }
  TopologyNode& server = m_servers[serverId];

  for (TopologyNode* n : {&client, &m_proxy, &server}) {
    ++n->flows;
    n->bytes += s.bytes;
    n->lastStatus = s.status;
    if (s.error) ++n->errors;
  }
  for (const auto& [from, to] : {std::pair{clientId, m_proxy.id}, std::pair{m_proxy.id, serverId}}) {
    TopologyEdge& e = m_edges[from + '>' + to];
    e.from = from;
    e.to = to;
    ++e.flows;
    if (s.error) ++e.errors;
  }
  for (const auto& h : s.headersRemoved) ++m_removed[h];
  for (const auto& h : s.headersAdded) ++m_added[h];
  if (s.tlsIntercepted || s.tlsTerminated) ++m_tls;
  ++m_total;
  emit flowPassed(clientId, serverId, s.status, s.error);
  emit changed();
}

void TopologyModel::setBackendState(const QString& name, bool up, int weight) {
  QString id = QStringLiteral("backend:") + name;
  TopologyNode& n = upsert(m_servers, id, TopologyNode::Role::Backend, name, QStringLiteral("backend:\"%1\"").arg(name));
  n.down = !up;
  n.weight = weight;
  emit changed();
}

std::vector<TopologyNode> TopologyModel::sorted(const QHash<QString, TopologyNode>& nodes) {
  std::vector<TopologyNode> v(nodes.begin(), nodes.end());
  std::sort(v.begin(), v.end(), [](const TopologyNode& a, const TopologyNode& b) {
    return a.flows != b.flows ? a.flows > b.flows : a.label < b.label;
  });
  return v;
}

std::vector<TopologyNode> TopologyModel::clients() const { return sorted(m_clients); }
std::vector<TopologyNode> TopologyModel::servers() const { return sorted(m_servers); }

std::vector<TopologyEdge> TopologyModel::edges() const {
  std::vector<TopologyEdge> v(m_edges.begin(), m_edges.end());
  std::sort(v.begin(), v.end(), [](const TopologyEdge& a, const TopologyEdge& b) {
    return a.from != b.from ? a.from < b.from : a.to < b.to;
  });
  return v;
}

const TopologyNode* TopologyModel::node(const QString& id) const {
  if (id == m_proxy.id) return &m_proxy;
  if (auto it = m_clients.find(id); it != m_clients.end()) return &it.value();
  if (auto it = m_servers.find(id); it != m_servers.end()) return &it.value();
  return nullptr;
}

double TopologyModel::share(const QString& serverId) const {
  auto it = m_servers.find(serverId);
  if (it == m_servers.end() || m_total == 0) return 0.0;
  return static_cast<double>(it->flows) / static_cast<double>(m_total);
}

std::vector<TopologyCallout> TopologyModel::callouts() const {
  std::vector<TopologyCallout> out;
  if (m_total == 0) {
    out.push_back({tr("Waiting for traffic"),
                   m_mode == TopologyMode::Forward
                       ? tr("Point a client at %1 (system proxy, a launched browser, or curl -x) and its requests appear here.").arg(m_proxyAddress)
                       : tr("Send requests to %1; Proxyscope passes each one to a backend.").arg(m_proxyAddress),
                   QString()});
    return out;
  }
  const quint64 clients = static_cast<quint64>(m_clients.size());
  const quint64 serverCount = static_cast<quint64>(m_servers.size());
  if (m_mode == TopologyMode::Forward) {
    out.push_back({tr("The servers saw Proxyscope, not the client"),
                   tr("%1 from %2 reached %3. Every server saw a connection from Proxyscope; "
                      "the client's own address never left your side.")
                       .arg(plural(m_total, "request", "requests"), plural(clients, "client", "clients"),
                            plural(serverCount, "server", "servers")),
                   QString()});
    if (!m_removed.isEmpty()) {
      out.push_back({tr("Headers that stayed on your side"),
                     tr("Removed before forwarding (hop-by-hop or identifying): %1.").arg(joinTop(m_removed, 5)),
                     QStringLiteral("header:proxy-connection or header:proxy-authorization")});
    }
    out.push_back({tr("Nothing added"),
                   m_added.isEmpty()
                       ? tr("No X-Forwarded-For, Forwarded or Via header was added: the servers cannot tell a proxy is involved.")
                       : tr("Added on the way: %1.").arg(joinTop(m_added, 5)),
                   QString()});
    if (m_tls > 0) {
      out.push_back({tr("HTTPS opened in the middle"),
                     tr("%1 decrypted with Proxyscope's CA and re-encrypted to the server.").arg(plural(m_tls, "HTTPS exchange was", "HTTPS exchanges were")),
                     QStringLiteral("scheme:https")});
    }
  } else {
    QStringList shares;
    QStringList down;
    for (const auto& n : servers()) {
      shares << QStringLiteral("%1 %2%").arg(n.label).arg(qRound(share(n.id) * 100.0));
      if (n.down) down << n.label;
    }
    out.push_back({tr("The clients saw one address"),
                   tr("%1 went to %2 alone, while %3 answered: %4.")
                       .arg(plural(m_total, "request", "requests"), m_proxyAddress, plural(serverCount, "backend", "backends"),
                            shares.join(QStringLiteral(", "))),
                   QString()});
    out.push_back({tr("The backends saw the client only in headers"),
                   m_added.isEmpty() ? tr("Every backend connection came from Proxyscope; no forwarding header was added.")
                                     : tr("Every backend connection came from Proxyscope; the client's address travelled in %1.")
                                           .arg(joinTop(m_added, 4)),
                   QStringLiteral("header:x-forwarded-for")});
    if (!down.isEmpty()) {
      out.push_back({tr("Backend down"),
                     tr("%1 failed its health checks; new requests go to the others.").arg(down.join(QStringLiteral(", "))),
                     QStringLiteral("is:error")});
    }
    if (m_tls > 0) {
      out.push_back({tr("TLS ended at the proxy"),
                     tr("%1 arrived over HTTPS and went on to the backends as configured.").arg(plural(m_tls, "request", "requests")),
                     QStringLiteral("scheme:https")});
    }
  }
  return out;
}

}  // namespace ps::ui
