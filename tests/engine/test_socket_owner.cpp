// The pure parts of the connection → process lookup (engine/sysproxy/socket_owner.h): the kernel's
// /proc/net/tcp address form, picking a socket by its 4-tuple, /proc/<pid>/stat and fd links.
#include <QtTest>

#include <cstring>

#include "engine/sysproxy/socket_owner.h"

using namespace ps::engine;

namespace {
bool littleEndian() {
  uint16_t one = 1;
  unsigned char first = 0;
  std::memcpy(&first, &one, 1);
  return first == 1;
}

// Two lines of /proc/net/tcp on a little-endian host: the listener 127.0.0.1:8080 and the client
// socket 127.0.0.1:40000 → 127.0.0.1:8080 (inode 424242), plus a TIME_WAIT entry (inode 0).
const char* kProcNetTcp =
    "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
    "   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 1111 1 0 100 0 0 10 0\n"
    "   1: 0100007F:9C40 0100007F:1F90 01 00000000:00000000 00:00000000 00000000  1000        0 424242 1 0 20 4 30 10 -1\n"
    "   2: 0100007F:9C41 0100007F:1F90 06 00000000:00000000 03:00001770 00000000     0        0 0 3 0\n";
}  // namespace

class TestSocketOwner : public QObject {
  Q_OBJECT

 private slots:
  void addressesInTheKernelForm() {
    if (!littleEndian()) QSKIP("the expected strings are for little-endian hosts");
    QCOMPARE(procNetAddress("127.0.0.1", 8080), std::string("0100007F:1F90"));
    QCOMPARE(procNetAddress("::ffff:127.0.0.1", 8080), std::string("0100007F:1F90"));
    QCOMPARE(procNetAddress("[::1]", 443), std::string("00000000000000000000000001000000:01BB"));
    QCOMPARE(procNetAddress("localhost", 80), std::string());
    QVERIFY(isPlainIpv6("::1"));
    QVERIFY(!isPlainIpv6("::ffff:10.0.0.1"));
    QVERIFY(!isPlainIpv6("127.0.0.1"));
  }

  void socketFoundByItsFourTuple() {
    if (!littleEndian()) QSKIP("the sample is little-endian");
    auto inode = findSocketInode(kProcNetTcp, {"127.0.0.1", 40000}, {"127.0.0.1", 8080});
    QVERIFY(inode.has_value());
    QCOMPARE(*inode, uint64_t(424242));
    // The reverse direction is our own accepted socket, not listed here.
    QVERIFY(!findSocketInode(kProcNetTcp, {"127.0.0.1", 8080}, {"127.0.0.1", 40000}));
    // TIME_WAIT: no socket (inode 0).
    QVERIFY(!findSocketInode(kProcNetTcp, {"127.0.0.1", 40001}, {"127.0.0.1", 8080}));
    QVERIFY(!findSocketInode(kProcNetTcp, {"127.0.0.1", 40000}, {"127.0.0.1", 8081}));
  }

  void procStatWithAnAwkwardName() {
    auto stat = parseProcStat("4242 (Web Content (x)) S 4200 4242 4242 0 -1 4194560 ...");
    QVERIFY(stat.has_value());
    QCOMPARE(stat->ppid, 4200);
    QCOMPARE(stat->state, 'S');
    auto zombie = parseProcStat("77 (curl) Z 1 77 77 0");
    QVERIFY(zombie.has_value());
    QCOMPARE(zombie->state, 'Z');
    QVERIFY(!parseProcStat("garbage"));
  }

  void socketLinks() {
    QCOMPARE(parseSocketLink("socket:[12345]").value_or(0), uint64_t(12345));
    QVERIFY(!parseSocketLink("pipe:[12345]"));
    QVERIFY(!parseSocketLink("socket:[]"));
    QVERIFY(!parseSocketLink("/dev/null"));
  }

  // The real /proc: this process is listed with its parent.
  void processTableReadable() {
    if (!procAvailable()) QSKIP("needs /proc (Linux)");
    auto parents = processParents();
    QVERIFY(parents.count(static_cast<int>(QCoreApplication::applicationPid())) == 1);
    auto stat = readProcStat(static_cast<int>(QCoreApplication::applicationPid()));
    QVERIFY(stat.has_value());
    QVERIFY(stat->ppid > 0);
  }
};

QTEST_GUILESS_MAIN(TestSocketOwner)
#include "test_socket_owner.moc"
