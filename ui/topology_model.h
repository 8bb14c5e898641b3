#pragma once
// TopologyModel: who talks to whom through Proxyscope, folded from finished flows. It drives the
// topology view that teaches the difference between the two directions with the user's own
// traffic: in forward mode the proxy stands in for the clients (the servers never see them), in
// reverse mode it stands in for the servers (the clients never see the backends).
//
// It takes TopologySample values (filled by the EngineBridge from engine flows), so it has no
// engine dependency and can be tested with scripted samples.
#include <QHash>
#include <QObject>
#include <QString>
#include <QStringList>
#include <vector>

namespace ps::ui {

enum class TopologyMode { Forward, Reverse };

struct TopologySample {
  quint64 flowId = 0;
  QString clientAddress;  // "127.0.0.1:54321"
  QString app;            // launched app tag ("chromium"), else empty
  QString host;           // request host (forward: the server)
  int port = 0;
  QString scheme;
  QString backend;        // reverse: the backend that answered
  int status = 0;         // 0 when no response
  bool error = false;
  quint64 bytes = 0;      // request + response body bytes
  QStringList headersRemoved;  // hop-by-hop / identifying headers not forwarded
  QStringList headersAdded;    // X-Forwarded-For, Forwarded, Via ... added on the way
  bool tlsIntercepted = false; // forward: TLS terminated and re-encrypted
  bool tlsTerminated = false;  // reverse: TLS ended at the proxy
};

struct TopologyNode {
  enum class Role { Client, Proxy, Server, Backend };
  QString id;  // "client:127.0.0.1", "server:example.test:443", "backend:b1"
  Role role = Role::Client;
  QString label;
  quint64 flows = 0;
  quint64 errors = 0;
  quint64 bytes = 0;
  int lastStatus = 0;
  bool down = false;  // backend health
  int weight = 0;     // backend weight, 0 = unknown
  QString filter;     // filter-language expression selecting this node's flows
};

struct TopologyEdge {
  QString from;
  QString to;
  quint64 flows = 0;
  quint64 errors = 0;
};

struct TopologyCallout {
  QString title;
  QString text;
  QString filter;  // the evidence: flows that show it
};

class TopologyModel : public QObject {
  Q_OBJECT
 public:
  explicit TopologyModel(QObject* parent = nullptr);

  void setMode(TopologyMode mode, const QString& proxyAddress);
  TopologyMode mode() const { return m_mode; }
  QString proxyAddress() const { return m_proxyAddress; }
  void clear();

  void addFlow(const TopologySample& sample);
  // Reverse mode: a backend's health or weight changed (or a configured backend with no traffic yet).
  void setBackendState(const QString& name, bool up, int weight);

  const TopologyNode& proxy() const { return m_proxy; }
  std::vector<TopologyNode> clients() const;   // most flows first
  std::vector<TopologyNode> servers() const;   // servers (forward) or backends (reverse), most flows first
  std::vector<TopologyEdge> edges() const;
  const TopologyNode* node(const QString& id) const;
  // Share of the flows (0..1) each backend answered, reverse mode.
  double share(const QString& serverId) const;
  quint64 totalFlows() const { return m_total; }

  // "Who sees whom", computed from the flows seen so far.
  std::vector<TopologyCallout> callouts() const;

 signals:
  void changed();
  // One flow to animate along client → proxy → server and back.
  void flowPassed(const QString& clientId, const QString& serverId, int status, bool error);

 private:
  TopologyNode& upsert(QHash<QString, TopologyNode>& nodes, const QString& id, TopologyNode::Role role,
                       const QString& label, const QString& filter);
  static std::vector<TopologyNode> sorted(const QHash<QString, TopologyNode>& nodes);

  TopologyMode m_mode = TopologyMode::Forward;
  QString m_proxyAddress;
  TopologyNode m_proxy;
  QHash<QString, TopologyNode> m_clients;
  QHash<QString, TopologyNode> m_servers;
  QHash<QString, TopologyEdge> m_edges;  // key "from>to"
  QHash<QString, quint64> m_removed;     // header name → flows it was removed from
  QHash<QString, quint64> m_added;       // header name → flows it was added to
  quint64 m_total = 0;
  quint64 m_tls = 0;
};

}  // namespace ps::ui
