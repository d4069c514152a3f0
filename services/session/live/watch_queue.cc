#include "services/session/live/watch_queue.h"

namespace lagom::session {

void WatchQueue::Push(Entry e) {
  if (!e.distribution) {
    entries_.push_back({.entry = std::move(e)});
    return;
  }
  const std::pair<std::string, int> key = *e.distribution;
  entries_.push_back({.entry = std::move(e)});
  auto [change, fresh] = changes_.try_emplace(key, &entries_.back());
  if (!fresh) {
    change->second->dropped = true;
    change->second = &entries_.back();
  }
}

void WatchQueue::PushFront(Entry e) { entries_.push_front({.entry = std::move(e)}); }

std::optional<WatchQueue::Entry> WatchQueue::Pop() {
  while (!entries_.empty() && entries_.front().dropped) entries_.pop_front();
  if (entries_.empty()) return std::nullopt;
  Waiting& front = entries_.front();
  if (front.entry.distribution) {
    auto change = changes_.find(*front.entry.distribution);
    if (change != changes_.end() && change->second == &front) changes_.erase(change);
  }
  std::optional<Entry> out(std::move(front.entry));
  entries_.pop_front();
  return out;
}

void WatchQueue::Clear() {
  entries_.clear();
  changes_.clear();
}

}  // namespace lagom::session
