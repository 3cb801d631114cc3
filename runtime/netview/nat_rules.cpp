#include "runtime/netview/nat_rules.h"

#include <map>
#include <sstream>

namespace minipod::netview {
namespace {

constexpr const char* kTopChain = "CNI-HOSTPORT-DNAT";
constexpr const char* kPodChainPrefix = "CNI-DN-";

// The value after `flag` in `words`, or "".
std::string option(const std::vector<std::string>& words, const std::string& flag) {
  for (size_t i = 0; i + 1 < words.size(); ++i)
    if (words[i] == flag) return words[i + 1];
  return "";
}

// `dnat name: "NET" id: "ID"`: the quoted value after `key`.
std::string comment_field(const std::string& comment, const std::string& key) {
  auto at = comment.find(key + ": \"");
  if (at == std::string::npos) return "";
  at += key.size() + 3;
  auto end = comment.find('"', at);
  return end == std::string::npos ? "" : comment.substr(at, end - at);
}

int port_number(const std::string& s) {
  if (s.empty() || s.find_first_not_of("0123456789") != std::string::npos || s.size() > 5) return 0;
  return std::stoi(s);
}

// "10.87.0.5:80" or "[fd00::5]:80" -> address and port.
void split_destination(const std::string& dest, std::string& ip, int& port) {
  auto colon = dest.rfind(':');
  if (colon == std::string::npos) {
    ip = dest;
    return;
  }
  ip = dest.substr(0, colon);
  port = port_number(dest.substr(colon + 1));
  if (ip.size() > 2 && ip.front() == '[' && ip.back() == ']') ip = ip.substr(1, ip.size() - 2);
}

}  // namespace

std::vector<std::string> split_rule(const std::string& line) {
  std::vector<std::string> words;
  std::string word;
  bool in_word = false, quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (quoted) {
      if (c == '\\' && i + 1 < line.size()) {
        word += line[++i];
      } else if (c == '"') {
        quoted = false;
      } else {
        word += c;
      }
    } else if (c == '"') {
      quoted = in_word = true;
    } else if (c == ' ' || c == '\t') {
      if (in_word) words.push_back(std::move(word));
      word.clear();
      in_word = false;
    } else {
      word += c;
      in_word = true;
    }
  }
  if (in_word) words.push_back(std::move(word));
  return words;
}

std::vector<DnatRule> parse_hostport_dnat(const std::string& iptables_save) {
  struct Owner {
    std::string network, id;
  };
  std::map<std::string, Owner> owners;  // CNI-DN-... -> the attachment that jumps to it
  std::vector<DnatRule> rules;
  std::istringstream in(iptables_save);
  bool nat = false;
  for (std::string line; std::getline(in, line);) {
    if (line.starts_with("*")) nat = line == "*nat";
    if (!nat || !line.starts_with("-A ")) continue;
    auto words = split_rule(line);
    if (words.size() < 2) continue;
    const std::string& chain = words[1];
    std::string target = option(words, "-j");
    if (chain == kTopChain && target.starts_with(kPodChainPrefix)) {
      std::string comment = option(words, "--comment");
      owners[target] = {comment_field(comment, "name"), comment_field(comment, "id")};
      continue;
    }
    if (!chain.starts_with(kPodChainPrefix) || target != "DNAT") continue;
    DnatRule r;
    r.chain = chain;
    r.protocol = option(words, "-p");
    r.host_ip = option(words, "-d");
    if (r.host_ip.ends_with("/32")) r.host_ip.resize(r.host_ip.size() - 3);
    if (r.host_ip.ends_with("/128")) r.host_ip.resize(r.host_ip.size() - 4);
    r.host_port = port_number(option(words, "--dport"));
    split_destination(option(words, "--to-destination"), r.to_ip, r.to_port);
    rules.push_back(std::move(r));
  }
  for (auto& r : rules) {
    auto it = owners.find(r.chain);
    if (it == owners.end()) continue;
    r.network = it->second.network;
    r.container_id = it->second.id;
  }
  return rules;
}

}  // namespace minipod::netview
