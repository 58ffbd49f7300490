// Computes fn(0), fn(1), ... fn(n-1) on worker threads, a bounded window ahead of one consumer
// that takes the results in order. The indexer reads, parses and tokenizes posts this way
// while its own thread settles slugs in path order (the first file to claim a slug wins) and
// hands documents to the writers.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <exception>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

namespace postsearch {

template <typename Result>
class OrderedPool {
 public:
  // fn(i, worker): worker is in [0, threads), for per-thread state such as a DocumentBuilder.
  using Fn = std::function<Result(std::size_t index, std::size_t worker)>;

  OrderedPool(std::size_t n, std::size_t threads, std::size_t window, Fn fn)
      : n_(n), window_(std::max<std::size_t>(1, window)), fn_(std::move(fn)), slots_(window_) {
    for (std::size_t w = 0; w < std::max<std::size_t>(1, threads); ++w) {
      workers_.emplace_back([this, w] { work(w); });
    }
  }
  ~OrderedPool() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
    }
    changed_.notify_all();
    for (auto& worker : workers_) worker.join();
  }
  OrderedPool(const OrderedPool&) = delete;
  OrderedPool& operator=(const OrderedPool&) = delete;

  // The result for `index`, which must be the next one not yet taken. Rethrows what fn threw.
  Result take(std::size_t index) {
    std::unique_lock<std::mutex> lock(mutex_);
    Slot& slot = slots_[index % window_];
    changed_.wait(lock, [&] { return slot.ready; });
    slot.ready = false;
    ++taken_;
    std::optional<Result> result = std::move(slot.result);
    const std::exception_ptr failure = std::exchange(slot.failure, nullptr);
    slot.result.reset();
    lock.unlock();
    changed_.notify_all();
    if (failure) std::rethrow_exception(failure);
    return std::move(*result);
  }

 private:
  struct Slot {
    bool ready = false;
    std::optional<Result> result;
    std::exception_ptr failure;
  };

  void work(std::size_t worker) {
    for (;;) {
      std::size_t index;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        if (next_ >= n_ || stopping_) return;
        index = next_++;
        // Stay within the window: the slot is free once the consumer took index - window.
        changed_.wait(lock, [&] { return stopping_ || index < taken_ + window_; });
        if (stopping_) return;
      }
      std::optional<Result> result;
      std::exception_ptr failure;
      try {
        result.emplace(fn_(index, worker));
      } catch (...) {
        failure = std::current_exception();
      }
      {
        std::lock_guard<std::mutex> lock(mutex_);
        Slot& slot = slots_[index % window_];
        slot.result = std::move(result);
        slot.failure = failure;
        slot.ready = true;
      }
      changed_.notify_all();
    }
  }

  const std::size_t n_;
  const std::size_t window_;
  const Fn fn_;
  std::vector<Slot> slots_;
  std::vector<std::thread> workers_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::size_t next_ = 0;   // the next index a worker takes on
  std::size_t taken_ = 0;  // results the consumer has taken
  bool stopping_ = false;
};

}  // namespace postsearch
