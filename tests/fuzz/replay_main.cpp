// Replays saved inputs through a fuzz target without libFuzzer, so the regressions under
// tests/fuzz/regressions/<target>/ run in ctest with any compiler (tests/fuzz/CMakeLists.txt
// links this driver with each target's source as replay_<target>).
//   replay_<target> DIR|FILE...
// Every regular file below each DIR, recursively, in sorted path order (names starting with
// '.', such as .gitkeep, are left out), goes once through LLVMFuzzerTestOneInput, after
// LLVMFuzzerInitialize when the target defines it. Each name is printed before its input
// runs, so a crash names the input that caused it.
//
// Exit status: 0 when every input ran (a target reports a finding by aborting, as under
// libFuzzer, or by letting an exception escape), 77 when there was no input at all (ctest
// shows the test as skipped), 2 when an argument is missing or not readable.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

// Weak: a target without an initializer leaves it null.
extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) __attribute__((weak));
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

namespace fs = std::filesystem;

constexpr int kSkipped = 77;

bool hidden(const fs::path& path) {
  const std::string name = path.filename().string();
  return !name.empty() && name[0] == '.';
}

// The inputs named by `arg`, sorted; false when it does not exist or cannot be listed.
bool collect(const fs::path& arg, std::vector<fs::path>& inputs) {
  std::error_code ec;
  if (fs::is_regular_file(arg, ec)) {
    inputs.push_back(arg);
    return true;
  }
  if (!fs::is_directory(arg, ec)) return false;
  std::vector<fs::path> found;
  fs::recursive_directory_iterator it(arg, ec), end;
  for (; !ec && it != end; it.increment(ec)) {
    if (hidden(it->path())) {
      if (it->is_directory(ec)) it.disable_recursion_pending();
      continue;
    }
    if (it->is_regular_file(ec)) found.push_back(it->path());
  }
  if (ec) return false;
  std::sort(found.begin(), found.end());
  inputs.insert(inputs.end(), found.begin(), found.end());
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s DIR|FILE...\n", argv[0]);
    return 2;
  }
  std::vector<fs::path> inputs;
  for (int i = 1; i < argc; ++i) {
    if (!collect(argv[i], inputs)) {
      std::fprintf(stderr, "%s: cannot read %s (every target has a regressions folder, with a "
                   ".gitkeep while it is empty)\n", argv[0], argv[i]);
      return 2;
    }
  }
  if (inputs.empty()) {
    std::printf("no inputs to replay\n");
    return kSkipped;
  }
  if (LLVMFuzzerInitialize != nullptr) LLVMFuzzerInitialize(&argc, &argv);
  for (const fs::path& input : inputs) {
    std::printf("replaying %s\n", input.c_str());
    std::fflush(stdout);
    std::ifstream in(input, std::ios::binary);
    if (!in) {
      std::fprintf(stderr, "cannot open %s\n", input.c_str());
      return 2;
    }
    // A buffer of exactly the input's size, as libFuzzer passes it: ASan sees overreads.
    const std::string bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    const std::unique_ptr<std::uint8_t[]> data(new std::uint8_t[bytes.size()]);
    std::copy(bytes.begin(), bytes.end(), data.get());
    LLVMFuzzerTestOneInput(data.get(), bytes.size());
  }
  std::printf("%zu input(s) replayed\n", inputs.size());
  return 0;
}
