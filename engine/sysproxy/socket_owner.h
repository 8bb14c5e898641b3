#pragma once
// Which process owns the other end of a TCP connection on this host (Linux /proc). Used to tag the
// flows of an application Proxyscope launched: the client socket of an accepted connection is found
// in /proc/net/tcp{,6} by its 4-tuple (its local = our peer, its remote = our local address), which
// gives the socket's inode; the processes holding that inode are found in /proc/<pid>/fd.
//
// The parsing functions are pure (text in, values out) and compile everywhere; the functions that
// read /proc return nothing on other systems.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/core/config.h"

namespace ps::engine {

// /proc/net/tcp (or tcp6) text → the inode of the socket whose local address is `local` and whose
// remote address is `remote`. Addresses in the kernel's form: hex of each 32-bit word in host byte
// order, then ":" and the port in hex (0100007F:1F90 is 127.0.0.1:8080 on little-endian hosts).
// A v4-mapped IPv6 address (::ffff:a.b.c.d) is matched in its IPv4 form.
std::optional<uint64_t> findSocketInode(std::string_view procNetTcp, const Endpoint& local, const Endpoint& remote);
// The kernel's text form of an address ("" when it is not an IP literal).
std::string procNetAddress(const std::string& host, uint16_t port);
// True for IPv6 literals that are not v4-mapped (their sockets are listed in /proc/net/tcp6).
bool isPlainIpv6(const std::string& host);

struct ProcStat {
  int ppid = 0;
  char state = '?';  // 'Z' zombie, 'X' dead
};
// /proc/<pid>/stat text → its parent and state. The command name (field 2) may contain spaces and
// parentheses, so the fields are counted from the last ')'.
std::optional<ProcStat> parseProcStat(std::string_view stat);
// "socket:[12345]" (a /proc/<pid>/fd link) → 12345.
std::optional<uint64_t> parseSocketLink(std::string_view link);

// --- Reading /proc (Linux; elsewhere these return nothing) ---
bool procAvailable();
// The inode of the client socket of a connection we accepted: peer = its address as we see it,
// local = our end (the listener's address and port).
std::optional<uint64_t> clientSocketInode(const Endpoint& peer, const Endpoint& local);
// pid → parent pid of every process visible in /proc (zombies left out).
std::map<int, int> processParents();
std::optional<ProcStat> readProcStat(int pid);
// pid and all its descendants, walking /proc/<pid>/task/<tid>/children down (cost: the tree only);
// nullopt when the kernel has no children files (CONFIG_PROC_CHILDREN), so the caller scans all.
std::optional<std::vector<int>> processTree(int pid);
// Socket inodes among pid's open files (only readable for our own processes).
std::vector<uint64_t> socketInodesOf(int pid);

}  // namespace ps::engine
