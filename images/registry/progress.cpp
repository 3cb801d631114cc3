#include "images/registry/progress.h"

#include "common/strings.h"

namespace minipod::registry {
namespace {

using Clock = std::chrono::steady_clock;

std::string short_digest(const std::string& digest) {
  auto colon = digest.find(':');
  return digest.substr(colon == std::string::npos ? 0 : colon + 1, 12);
}

}  // namespace

double BlobStatus::seconds() const {
  auto end = finished ? ended : Clock::now();
  return std::chrono::duration<double>(end - started).count();
}

std::string BlobStatus::describe(const std::string& digest) const {
  std::string line = what + " " + short_digest(digest) + " ";
  if (reused) return line + human_size(total) + " already present";
  line += human_size(done);
  if (total > 0 && !finished) line += "/" + human_size(total);
  double s = seconds();
  if (s > 0.001)
    line += " " + human_size(static_cast<uint64_t>(static_cast<double>(done) / s)) + "/s";
  if (finished) {
    char buf[32];
    std::snprintf(buf, sizeof buf, " in %.2f s", s);
    line += buf;
  }
  return line;
}

void ProgressRenderer::blob_started(const std::string& digest, const std::string& what,
                                    uint64_t total) {
  if (!blobs_.count(digest)) order_.push_back(digest);
  blobs_[digest] = BlobStatus{what, total, 0, false, false, Clock::now(), {}};
  changed(digest, true);
}

void ProgressRenderer::blob_progress(const std::string& digest, uint64_t done) {
  blobs_[digest].done = done;
  changed(digest, false);
}

void ProgressRenderer::blob_done(const std::string& digest, bool reused) {
  BlobStatus& s = blobs_[digest];
  s.finished = true;
  s.reused = reused;
  s.ended = Clock::now();
  if (!reused) s.done = s.total;
  changed(digest, true);
}

void ProgressRenderer::note(const std::string& text) {
  // On a terminal the note goes above the blob lines, which are drawn again below it.
  if (terminal_)
    for (size_t i = 0; i < drawn_; ++i) std::fputs("\033[1A\033[2K", out_);
  drawn_ = 0;
  std::fprintf(out_, "%s\n", text.c_str());
  if (terminal_) redraw(true);
  std::fflush(out_);
}

void ProgressRenderer::changed(const std::string& digest, bool milestone) {
  if (terminal_) {
    redraw(milestone);
    return;
  }
  const BlobStatus& s = blobs_[digest];
  if (!s.finished) return;
  std::fprintf(out_, "%s\n", s.describe(digest).c_str());
  std::fflush(out_);
}

void ProgressRenderer::redraw(bool force) {
  auto now = Clock::now();
  if (!force && now - last_draw_ < std::chrono::milliseconds(100)) return;
  last_draw_ = now;
  for (size_t i = 0; i < drawn_; ++i) std::fputs("\033[1A", out_);
  for (const auto& digest : order_)
    std::fprintf(out_, "\033[2K%s\n", blobs_[digest].describe(digest).c_str());
  drawn_ = order_.size();
  std::fflush(out_);
}

}  // namespace minipod::registry
