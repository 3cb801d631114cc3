// What a fetch reports while it runs, and how minipod shows it: updating lines on a terminal, one
// line per finished blob otherwise (logs, CI, pipes).
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

namespace minipod::registry {

class PullProgress {
 public:
  virtual ~PullProgress() = default;
  // `what` is "manifest", "config" or "layer"; `total` is the size the manifest declares.
  virtual void blob_started(const std::string& digest, const std::string& what, uint64_t total) = 0;
  virtual void blob_progress(const std::string& digest, uint64_t done) = 0;
  // `reused`: the blob was already in the destination and verified, nothing was downloaded.
  virtual void blob_done(const std::string& digest, bool reused) = 0;
  // A retry, a mirror given up on: said to the user, the fetch goes on.
  virtual void note(const std::string& text) = 0;
};

// Reports nothing (-q).
class QuietProgress : public PullProgress {
 public:
  void blob_started(const std::string&, const std::string&, uint64_t) override {}
  void blob_progress(const std::string&, uint64_t) override {}
  void blob_done(const std::string&, bool) override {}
  void note(const std::string&) override {}
};

// Per blob: bytes done and total, the rate, and the elapsed time; shared by both renderers.
struct BlobStatus {
  std::string what;
  uint64_t total = 0;
  uint64_t done = 0;
  bool finished = false;
  bool reused = false;
  std::chrono::steady_clock::time_point started;
  std::chrono::steady_clock::time_point ended;

  double seconds() const;
  // "layer 3f2a1b0c9d8e 1.2 MiB/4.0 MiB 3.1 MiB/s"
  std::string describe(const std::string& digest) const;
};

// Shows the blobs of a fetch on `out`: on a terminal one line per blob redrawn in place (at most
// 10 times a second) while they download; otherwise (logs, CI, pipes) one line per blob, printed
// when it is finished.
class ProgressRenderer : public PullProgress {
 public:
  ProgressRenderer(std::FILE* out, bool terminal) : out_(out), terminal_(terminal) {}
  void blob_started(const std::string& digest, const std::string& what, uint64_t total) override;
  void blob_progress(const std::string& digest, uint64_t done) override;
  void blob_done(const std::string& digest, bool reused) override;
  void note(const std::string& text) override;

 private:
  // `milestone`: the blob started or finished (not just more bytes).
  void changed(const std::string& digest, bool milestone);
  void redraw(bool force);

  std::FILE* out_;
  bool terminal_;
  std::vector<std::string> order_;  // digests in the order they started
  std::map<std::string, BlobStatus> blobs_;
  size_t drawn_ = 0;  // terminal lines of the previous drawing, to move the cursor back over
  std::chrono::steady_clock::time_point last_draw_;
};

}  // namespace minipod::registry
