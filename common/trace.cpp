#include "common/trace.h"

#include <cstdio>

namespace minipod {

Tracer& Tracer::get() {
  static Tracer tracer;
  return tracer;
}

thread_local bool Tracer::muted_ = false;

Tracer::Tracer() : start_(std::chrono::steady_clock::now()) {}

double Tracer::elapsed_ms() const {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start_)
      .count();
}

void Tracer::step(std::string_view what, std::string_view command) {
  if (!enabled()) return;
  std::fprintf(stderr, "[%8.1f ms] %.*s\n", elapsed_ms(), static_cast<int>(what.size()),
               what.data());
  if (!command.empty())
    std::fprintf(stderr, "              $ %.*s\n", static_cast<int>(command.size()),
                 command.data());
  std::fflush(stderr);
}

void Tracer::detail(std::string_view label, std::string_view text) {
  if (!enabled()) return;
  std::fprintf(stderr, "              %.*s:", static_cast<int>(label.size()), label.data());
  if (text.find('\n') == std::string_view::npos) {
    std::fprintf(stderr, " %.*s\n", static_cast<int>(text.size()), text.data());
  } else {
    std::fputc('\n', stderr);
    size_t pos = 0;
    while (pos < text.size()) {
      size_t end = text.find('\n', pos);
      if (end == std::string_view::npos) end = text.size();
      std::fprintf(stderr, "                %.*s\n", static_cast<int>(end - pos),
                   text.data() + pos);
      pos = end + 1;
    }
  }
  std::fflush(stderr);
}

std::string shell_quote(std::string_view word) {
  if (!word.empty() && word.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                              "0123456789_-./=:,@%+") == std::string_view::npos)
    return std::string(word);
  std::string out = "'";
  for (char c : word) {
    if (c == '\'')
      out += "'\\''";
    else
      out += c;
  }
  return out + "'";
}

}  // namespace minipod
