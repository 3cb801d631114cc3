#include "images/registry/blob_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>

#include "common/error.h"

namespace minipod::registry {

BlobFile::BlobFile(const std::filesystem::path& blobs_dir, std::string digest,
                   int64_t expected_size, fs::Durability durability)
    : digest_(std::move(digest)), expected_size_(expected_size), durability_(durability) {
  std::string hex = digest_.substr(digest_.find(':') + 1);
  final_ = blobs_dir / hex;
  temp_ = blobs_dir / (".partial-" + hex + "-" + std::to_string(::getpid()));
  fd_ = UniqueFd(::open(temp_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (!fd_) throw_errno("create " + temp_.string());
}

BlobFile::~BlobFile() {
  if (!committed_) ::unlink(temp_.c_str());
}

void BlobFile::write(std::string_view data) {
  if (expected_size_ >= 0 && written_ + data.size() > static_cast<uint64_t>(expected_size_))
    throw Error("download blob " + digest_, "the registry sent more than the " +
                                                std::to_string(expected_size_) +
                                                " bytes the manifest declares");
  hash_.update(data);
  while (!data.empty()) {
    ssize_t n = ::write(fd_.get(), data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      throw_errno("write " + temp_.string());
    }
    data.remove_prefix(static_cast<size_t>(n));
    written_ += static_cast<uint64_t>(n);
  }
}

void BlobFile::restart() {
  if (::ftruncate(fd_.get(), 0) != 0 || ::lseek(fd_.get(), 0, SEEK_SET) != 0)
    throw_errno("truncate " + temp_.string());
  hash_.reset();
  written_ = 0;
}

void BlobFile::commit() {
  const std::string step = "verify blob " + digest_;
  if (expected_size_ >= 0 && written_ != static_cast<uint64_t>(expected_size_))
    throw Error(step, "received " + std::to_string(written_) + " bytes, the manifest declares " +
                          std::to_string(expected_size_));
  std::string actual = hash_.digest();
  if (actual != digest_)
    throw Error(step, "the content's digest is " + actual + ", expected " + digest_ +
                          " (corrupted in transit or by the registry)");
  if (durability_ == fs::Durability::kPowerLoss && ::fsync(fd_.get()) != 0)
    throw_errno("fsync " + temp_.string());
  fd_.reset();
  if (::rename(temp_.c_str(), final_.c_str()) != 0)
    throw_errno("rename " + temp_.string(), final_.string());
  committed_ = true;
}

bool blob_matches(const std::filesystem::path& path, const std::string& digest) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return false;
  Sha256Stream hash;
  char buf[1 << 16];
  for (;;) {
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    if (n == 0) break;
    hash.update(std::string_view(buf, static_cast<size_t>(n)));
  }
  return hash.digest() == digest;
}

}  // namespace minipod::registry
