#include "engine/store/flow_stage.h"

#include <fcntl.h>
#include <sys/stat.h>
#ifdef _WIN32
#include <io.h>
#else
#include <unistd.h>
#endif

#include <cerrno>
#include <cstring>

#include "engine/store/flow_record.h"

namespace ps::engine {

namespace {

constexpr size_t kHeaderBytes = 5;              // u32 length + u8 flags
constexpr uint32_t kMaxRecordBytes = 1u << 30;  // a capture keeps 2 x 16 MiB bodies; more is damage
constexpr size_t kReadChunk = size_t{1} << 20;

#ifdef _WIN32
int openFile(const std::string& path, bool truncate) {
  return ::_open(path.c_str(), _O_RDWR | _O_CREAT | _O_BINARY | (truncate ? _O_TRUNC : 0), _S_IREAD | _S_IWRITE);
}
int64_t fileSize(int fd) { return ::_lseeki64(fd, 0, SEEK_END); }
bool cutTo(int fd, int64_t size) { return ::_chsize_s(fd, size) == 0; }
int64_t writeAt(int fd, const char* data, size_t n, int64_t offset) {
  if (::_lseeki64(fd, offset, SEEK_SET) < 0) return -1;
  return ::_write(fd, data, static_cast<unsigned>(n));
}
int64_t readAt(int fd, char* data, size_t n, int64_t offset) {
  if (::_lseeki64(fd, offset, SEEK_SET) < 0) return -1;
  return ::_read(fd, data, static_cast<unsigned>(n));
}
void closeFile(int fd) { ::_close(fd); }
#else
int openFile(const std::string& path, bool truncate) {
  return ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | (truncate ? O_TRUNC : 0), 0600);
}
int64_t fileSize(int fd) {
  struct stat st {};
  return ::fstat(fd, &st) == 0 ? static_cast<int64_t>(st.st_size) : -1;
}
bool cutTo(int fd, int64_t size) { return ::ftruncate(fd, size) == 0; }
int64_t writeAt(int fd, const char* data, size_t n, int64_t offset) { return ::pwrite(fd, data, n, offset); }
int64_t readAt(int fd, char* data, size_t n, int64_t offset) { return ::pread(fd, data, n, offset); }
void closeFile(int fd) { ::close(fd); }
#endif

uint32_t readU32(const char* p) {
  return static_cast<uint32_t>(static_cast<uint8_t>(p[0])) | static_cast<uint32_t>(static_cast<uint8_t>(p[1])) << 8 |
         static_cast<uint32_t>(static_cast<uint8_t>(p[2])) << 16 |
         static_cast<uint32_t>(static_cast<uint8_t>(p[3])) << 24;
}

}  // namespace

Result<FlowStage> FlowStage::open(const std::string& sessionPath, int64_t promotedOffset, bool fresh) {
  const std::string path = pathFor(sessionPath);
  const int fd = openFile(path, fresh);
  if (fd < 0) return Error{"cannot open the session's staging file " + path + ": " + std::strerror(errno)};
  const int64_t size = fileSize(fd);
  if (size < 0) {
    closeFile(fd);
    return Error{"cannot read the size of " + path + ": " + std::strerror(errno)};
  }
  // At or past the end: everything was promoted (the writer may have died before cutting the file).
  FlowStage stage(fd, path, promotedOffset < size ? std::max<int64_t>(0, promotedOffset) : size, size);
  if (stage.drained() && size > 0) {
    if (auto r = stage.clear(); !r) return r.error();
  }
  return stage;
}

FlowStage::~FlowStage() {
  if (m_fd >= 0) closeFile(m_fd);
}

FlowStage::FlowStage(FlowStage&& other) noexcept { *this = std::move(other); }

FlowStage& FlowStage::operator=(FlowStage&& other) noexcept {
  if (this != &other) {
    if (m_fd >= 0) closeFile(m_fd);
    m_fd = std::exchange(other.m_fd, -1);
    m_path = std::move(other.m_path);
    m_read = other.m_read;
    m_end = other.m_end;
    m_batch = std::move(other.m_batch);
    m_readBuf = std::move(other.m_readBuf);
    m_readBufAt = other.m_readBufAt;
  }
  return *this;
}

void FlowStage::add(const Flow& flow, bool complete) {
  const size_t at = m_batch.size();
  m_batch.append(kHeaderBytes, '\0');
  encodeFlowRecord(flow, m_batch);
  const auto length = static_cast<uint32_t>(m_batch.size() - at - kHeaderBytes);
  for (int i = 0; i < 4; ++i) m_batch[at + static_cast<size_t>(i)] = static_cast<char>(length >> (8 * i));
  m_batch[at + 4] = complete ? '\1' : '\0';
}

Result<void> FlowStage::write() {
  size_t done = 0;
  while (done < m_batch.size()) {
    const int64_t n = writeAt(m_fd, m_batch.data() + done, m_batch.size() - done, m_end + static_cast<int64_t>(done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const std::string why = n < 0 ? std::strerror(errno) : "nothing written";
      (void)cutTo(m_fd, m_end);  // no torn record before whatever comes next
      m_batch.clear();
      return Error{"writing to " + m_path + " failed: " + why};
    }
    done += static_cast<size_t>(n);
  }
  m_end += static_cast<int64_t>(m_batch.size());
  m_batch.clear();
  if (m_batch.capacity() > kReadChunk) std::string().swap(m_batch);  // a large body's record is not kept
  return {};
}

Result<void> FlowStage::fill(int64_t offset, size_t bytes) {
  if (offset >= m_readBufAt &&
      offset + static_cast<int64_t>(bytes) <= m_readBufAt + static_cast<int64_t>(m_readBuf.size())) {
    return {};
  }
  const size_t want = std::max(bytes, kReadChunk);
  m_readBuf.resize(want);
  size_t got = 0;
  while (got < want) {
    const int64_t n = readAt(m_fd, m_readBuf.data() + got, want - got, offset + static_cast<int64_t>(got));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Error{"reading " + m_path + " failed: " + std::strerror(errno)};
    if (n == 0) break;
    got += static_cast<size_t>(n);
  }
  m_readBuf.resize(got);
  m_readBufAt = offset;
  return {};
}

Result<std::vector<FlowStage::Staged>> FlowStage::next(int64_t limit) {
  std::vector<Staged> out;
  while (static_cast<int64_t>(out.size()) < limit && m_read < m_end) {
    const int64_t left = m_end - m_read;
    auto cutShort = [&](const std::string& what) {
      Staged& s = out.emplace_back();
      s.damage = std::to_string(left) + " bytes from byte " + std::to_string(m_read) + " of " + m_path + " " + what;
      m_read = m_end;
    };
    if (left < static_cast<int64_t>(kHeaderBytes)) {
      cutShort("are a record cut short");
      break;
    }
    if (auto r = fill(m_read, kHeaderBytes); !r) return r.error();
    const char* head = m_readBuf.data() + (m_read - m_readBufAt);
    const uint32_t length = readU32(head);
    const auto flags = static_cast<uint8_t>(head[4]);
    if (length > kMaxRecordBytes || flags > 1) {
      cutShort("do not start with a record (damaged)");
      break;
    }
    if (static_cast<int64_t>(kHeaderBytes + length) > left) {
      cutShort("are a record cut short");
      break;
    }
    if (auto r = fill(m_read, kHeaderBytes + length); !r) return r.error();
    const std::string_view record(m_readBuf.data() + (m_read - m_readBufAt) + kHeaderBytes, length);
    Staged& s = out.emplace_back();
    s.complete = flags == 1;
    if (auto flow = decodeFlowRecord(record)) {
      s.flow = std::move(*flow);
    } else {
      s.damage =
          "the record at byte " + std::to_string(m_read) + " of " + m_path + " was dropped: " + flow.error().message;
    }
    m_read += static_cast<int64_t>(kHeaderBytes + length);
  }
  return out;
}

Result<void> FlowStage::clear() {
  if (!cutTo(m_fd, 0)) return Error{"cannot empty " + m_path + ": " + std::strerror(errno)};
  m_read = 0;
  m_end = 0;
  std::string().swap(m_readBuf);
  m_readBufAt = 0;
  return {};
}

int64_t FlowStage::countRecords(const std::string& stagePath, int64_t fromOffset) {
#ifdef _WIN32
  const int fd = ::_open(stagePath.c_str(), _O_RDONLY | _O_BINARY);
#else
  const int fd = ::open(stagePath.c_str(), O_RDONLY | O_CLOEXEC);
#endif
  if (fd < 0) return 0;
  const int64_t size = fileSize(fd);
  int64_t count = 0;
  char head[kHeaderBytes];
  for (int64_t at = fromOffset; at + static_cast<int64_t>(kHeaderBytes) <= size;) {
    if (readAt(fd, head, kHeaderBytes, at) != static_cast<int64_t>(kHeaderBytes)) break;
    const int64_t next = at + static_cast<int64_t>(kHeaderBytes) + readU32(head);
    if (next > size) break;
    ++count;
    at = next;
  }
  closeFile(fd);
  return count;
}

}  // namespace ps::engine
