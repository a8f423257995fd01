// main.cpp — cnnlab-grade: runs the exercises' checks and prints the score table.
//
// Contract: one command for students (visible checks) and instructors (--instructor: visible
// and hidden checks). Each exercise runs in a child process of its own (this program again,
// with --run-exercise) under a wall-clock limit, so a crash or an endless loop in one exercise
// costs that exercise's points and nothing else. An exercise whose prerequisite did not score
// full points is not run: the table says which exercise to finish first. The report ends with
// "Total N/M"; --json writes the same report for course platforms; the exit status is 0 only
// when every check that ran passed and nothing was skipped.
#include "check.hpp"
#include "exercise_list.hpp"

#include <cnnlab/core/error.hpp>

#include "src/io/file_io.hpp"  // write_file_atomically: the JSON report is never half written

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <map>
#include <set>
#include <sstream>

#ifndef CNNLAB_EXERCISES_DIR
#error "CNNLAB_EXERCISES_DIR must name the exercises/ folder of the source tree"
#endif

namespace grade = cnnlab::grade;
using nlohmann::json;

namespace {

// ---- the child: run one exercise's checks, report each on a pipe -----------------------------

/// Writes one JSON line to the report pipe (never to stdout: the student's code may print).
void report(int fd, const json& line) {
  const std::string s = line.dump() + "\n";
  size_t done = 0;
  while (done < s.size()) {
    const ssize_t n = ::write(fd, s.data() + done, s.size() - done);
    if (n <= 0) return;
    done += size_t(n);
  }
}

int run_exercise(int number, bool hidden, int fd) {
  int index = 0;
  for (const grade::Check& c : grade::all_checks()) {
    if (c.exercise != number || (c.hidden && !hidden)) continue;
    report(fd, {{"event", "start"}, {"index", index}});
    std::string status = "pass", diagnosis;
    grade::set_running_hidden(c.hidden);
    try {
      c.fn();
    } catch (const grade::Failure& f) {
      status = "fail";
      diagnosis = f.what();
    } catch (const cnnlab::NotImplemented& e) {
      status = "not_implemented";
      diagnosis = e.what();
    } catch (const std::exception& e) {
      status = "error";
      diagnosis = std::string("threw an exception: ") + e.what();
    } catch (...) {
      status = "error";
      diagnosis = "threw something that is not a std::exception";
    }
    report(fd, {{"event", "result"}, {"index", index}, {"status", status}, {"diagnosis", diagnosis}});
    ++index;
  }
  return 0;
}

// ---- the parent: one child per exercise, with a time limit --------------------------------------

struct CheckResult {
  std::string name;
  bool hidden = false;
  std::string status = "not_run";  // pass, fail, not_implemented, error, crashed, timeout, not_run
  std::string diagnosis;
};

struct ExerciseResult {
  const grade::Exercise* ex = nullptr;
  std::vector<CheckResult> checks;
  std::string status;  // passed, failed, not_implemented, crashed, timeout, blocked
  std::string note;    // one line for the table
  double points = 0;
  int passed = 0;
  double seconds = 0;
};

std::string signal_name(int sig) {
  const char* s = strsignal(sig);
  return std::string("signal ") + std::to_string(sig) + (s ? std::string(" (") + s + ")" : "");
}

/// Runs exercise @p ex's checks in a child process and fills @p r.
void run_child(const std::string& self, const std::vector<std::string>& pass_on, ExerciseResult& r,
               bool hidden, double time_scale) {
  int report_pipe[2], output_pipe[2];
  if (::pipe(report_pipe) != 0 || ::pipe(output_pipe) != 0)
    throw std::runtime_error(std::string("cannot create a pipe: ") + std::strerror(errno));
  std::vector<std::string> args = {self, "--run-exercise", std::to_string(r.ex->number),
                                   "--report-fd", std::to_string(report_pipe[1])};
  if (hidden) args.push_back("--instructor");
  args.insert(args.end(), pass_on.begin(), pass_on.end());
  const auto start = std::chrono::steady_clock::now();
  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error(std::string("cannot fork: ") + std::strerror(errno));
  if (pid == 0) {
    ::setpgid(0, 0);
    ::close(report_pipe[0]);
    ::close(output_pipe[0]);
    ::dup2(output_pipe[1], STDOUT_FILENO);
    ::dup2(output_pipe[1], STDERR_FILENO);
    ::close(output_pipe[1]);
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv(self.c_str(), argv.data());
    std::fprintf(stderr, "cannot start %s: %s\n", self.c_str(), std::strerror(errno));
    ::_exit(127);
  }
  ::setpgid(pid, pid);
  ::close(report_pipe[1]);
  ::close(output_pipe[1]);

  const double limit = r.ex->time_limit_s * time_scale;
  std::string report_buf, output;
  int running = -1;  // index of the check that started last and has not reported
  bool timed_out = false;
  std::vector<pollfd> fds = {{report_pipe[0], POLLIN, 0}, {output_pipe[0], POLLIN, 0}};
  int open_fds = 2;
  while (open_fds > 0) {
    const double elapsed =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (elapsed >= limit) {
      timed_out = true;
      ::kill(-pid, SIGKILL);
      break;
    }
    const int wait_ms = int(std::min(1000.0, (limit - elapsed) * 1000.0)) + 1;
    if (::poll(fds.data(), fds.size(), wait_ms) < 0 && errno != EINTR) break;
    for (pollfd& p : fds) {
      if (p.fd < 0 || !(p.revents & (POLLIN | POLLHUP | POLLERR))) continue;
      char buf[4096];
      const ssize_t n = ::read(p.fd, buf, sizeof buf);
      if (n <= 0) {
        ::close(p.fd);
        p.fd = -1;
        --open_fds;
        continue;
      }
      (p.fd == report_pipe[0] ? report_buf : output).append(buf, size_t(n));
      if (output.size() > 65536) output.erase(0, output.size() - 65536);
    }
    size_t nl;
    while ((nl = report_buf.find('\n')) != std::string::npos) {
      const json line = json::parse(report_buf.substr(0, nl), nullptr, false);
      report_buf.erase(0, nl + 1);
      if (line.is_discarded() || !line.contains("index")) continue;
      const int i = line["index"].get<int>();
      if (i < 0 || size_t(i) >= r.checks.size()) continue;
      if (line["event"] == "start") {
        running = i;
      } else {
        r.checks[size_t(i)].status = line["status"].get<std::string>();
        r.checks[size_t(i)].diagnosis = line["diagnosis"].get<std::string>();
        running = -1;
      }
    }
  }
  for (pollfd& p : fds)
    if (p.fd >= 0) ::close(p.fd);
  int wstatus = 0;
  ::waitpid(pid, &wstatus, 0);
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  // Last lines the exercise printed, for a crash report.
  std::string tail = output;
  if (tail.size() > 600) tail = "..." + tail.substr(tail.size() - 600);
  const std::string printed = tail.empty() ? "" : "\n  its last output:\n" + tail;
  if (timed_out) {
    r.status = "timeout";
    r.note = "stopped after " + std::to_string(int(limit)) + " s (time limit)";
    if (running >= 0) {
      r.checks[size_t(running)].status = "timeout";
      r.checks[size_t(running)].diagnosis =
          "still running after the exercise's time limit of " + std::to_string(int(limit)) +
          " s: an endless loop, or far too slow" + printed;
    }
  } else if (WIFSIGNALED(wstatus) || (WIFEXITED(wstatus) && WEXITSTATUS(wstatus) != 0)) {
    r.status = "crashed";
    const std::string how = WIFSIGNALED(wstatus)
                                ? "crashed with " + signal_name(WTERMSIG(wstatus))
                                : "exited with status " + std::to_string(WEXITSTATUS(wstatus));
    r.note = how;
    if (running >= 0) {
      r.checks[size_t(running)].status = "crashed";
      r.checks[size_t(running)].diagnosis =
          how + " in this check (look for an index out of range or a null pointer)" + printed;
    }
  }
}

std::string points_string(double p) {
  char buf[32];
  if (std::fabs(p - std::round(p)) < 1e-9)
    std::snprintf(buf, sizeof buf, "%d", int(std::lround(p)));
  else
    std::snprintf(buf, sizeof buf, "%.1f", p);
  return buf;
}

/// Score and status of an exercise whose checks have run.
void score(ExerciseResult& r) {
  const int total = int(r.checks.size());
  r.passed = int(std::count_if(r.checks.begin(), r.checks.end(),
                               [](const CheckResult& c) { return c.status == "pass"; }));
  const bool any_not_implemented =
      std::any_of(r.checks.begin(), r.checks.end(),
                  [](const CheckResult& c) { return c.status == "not_implemented"; });
  if (total == 0) {
    r.status = "failed";
    r.note = "this grader has no checks for it";
    return;
  }
  if (r.status == "crashed" || r.status == "timeout") {
    r.points = 0;  // a crash or a hang costs the whole exercise
    return;
  }
  r.points = total ? std::floor(r.ex->points * double(r.passed) / total * 10 + 1e-9) / 10 : 0;
  if (r.passed == total) {
    r.status = "passed";
  } else if (any_not_implemented && r.passed == 0) {
    r.status = "not_implemented";
    r.note = "not implemented yet";
  } else {
    r.status = "failed";
    r.note = std::to_string(total - r.passed) + " check(s) failed";
  }
}

json to_json(const std::vector<ExerciseResult>& results, bool instructor, double total,
             double max) {
  json ex = json::array();
  for (const ExerciseResult& r : results) {
    json checks = json::array();
    for (const CheckResult& c : r.checks)
      checks.push_back({{"name", c.name},
                        {"hidden", c.hidden},
                        {"status", c.status},
                        {"diagnosis", c.diagnosis}});
    ex.push_back({{"number", r.ex->number},
                  {"name", r.ex->name},
                  {"title", r.ex->title},
                  {"points", r.points},
                  {"max_points", r.ex->points},
                  {"status", r.status},
                  {"note", r.note},
                  {"checks_passed", r.passed},
                  {"checks_total", r.checks.size()},
                  {"seconds", r.seconds},
                  {"prerequisites", r.ex->prereqs},
                  {"checks", checks}});
  }
  return {{"grader", "cnnlab-grade"},
          {"mode", instructor ? "instructor" : "student"},
          {"total", total},
          {"max", max},
          {"passed", total == max},
          {"exercises", ex}};
}

/// The exercises to run: those asked for, and the prerequisites they need, in course order.
std::vector<int> selection(const std::vector<int>& only) {
  std::set<int> want;
  std::vector<int> todo = only;
  if (todo.empty())
    for (const grade::Exercise& e : grade::exercises()) todo.push_back(e.number);
  while (!todo.empty()) {
    const int n = todo.back();
    todo.pop_back();
    const grade::Exercise* e = grade::find_exercise(n);
    if (!e) throw CLI::ValidationError("--only", "there is no exercise " + std::to_string(n));
    if (want.insert(n).second) todo.insert(todo.end(), e->prereqs.begin(), e->prereqs.end());
  }
  return {want.begin(), want.end()};
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "cnnlab-grade: grades the cnnlab exercises (exercises/README.md).\n"
      "Runs each exercise's checks in a separate process with a time limit and prints a score\n"
      "table, a diagnosis for every failed check and the total. Exit status 0 when every\n"
      "check passed, 1 otherwise."};
  bool instructor = false, list = false, quiet = false;
  std::vector<int> only;
  std::string json_path, data_dir = std::string(CNNLAB_EXERCISES_DIR) + "/data",
                         hidden_dir = std::string(CNNLAB_EXERCISES_DIR) + "/hidden/data";
  double time_scale = 1.0;
  int run_number = 0, report_fd = -1;
  app.add_flag("--instructor", instructor,
               "also run the hidden checks (other shapes, seeds and edge cases); only in a grader "
               "built from the instructor's tree, which has exercises/hidden/");
  app.add_option("--only", only, "grade these exercises (and the ones they need), e.g. --only 7")
      ->check(CLI::PositiveNumber);
  app.add_option("--json", json_path, "also write the report as JSON to this file");
  app.add_flag("--list", list, "list the exercises with their points and prerequisites, then stop");
  app.add_flag("-q,--quiet", quiet, "print the table and the total only, no diagnoses");
  app.add_option("--time-scale", time_scale,
                 "multiply every exercise's time limit by this (e.g. 4 for a sanitizer build)")
      ->check(CLI::PositiveNumber);
  app.add_option("--data", data_dir, "folder of the visible checks' data")->capture_default_str();
  app.add_option("--hidden-data", hidden_dir, "folder of the hidden checks' data")
      ->capture_default_str();
  app.add_option("--run-exercise", run_number)->group("");  // internal: the child process
  app.add_option("--report-fd", report_fd)->group("");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;  // --help: 0; a usage error: 2
  }
  grade::set_data_dir(data_dir, hidden_dir);

#ifndef CNNLAB_GRADE_HIDDEN
  if (instructor) {
    std::cerr << "cnnlab-grade: --instructor: this grader has no hidden checks (it was built "
                 "from a tree without exercises/hidden/, such as the student kit)\n";
    return 2;
  }
#endif

  if (run_number > 0) return run_exercise(run_number, instructor, report_fd);

  if (list) {
    std::printf("%3s  %-62s %6s  %s\n", "#", "exercise", "points", "needs");
    for (const grade::Exercise& e : grade::exercises()) {
      std::string needs;
      for (int p : e.prereqs) needs += (needs.empty() ? "" : ", ") + std::to_string(p);
      std::printf("%3d  %-62s %6d  %s\n", e.number, e.title.c_str(), e.points,
                  needs.empty() ? "-" : needs.c_str());
    }
    return 0;
  }

  std::vector<int> numbers;
  try {
    numbers = selection(only);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  char self[4096];
  const ssize_t len = ::readlink("/proc/self/exe", self, sizeof self - 1);
  if (len <= 0) {
    std::cerr << "cnnlab-grade: cannot find its own executable (/proc/self/exe)\n";
    return 2;
  }
  self[len] = '\0';
  const std::vector<std::string> pass_on = {"--data", data_dir, "--hidden-data", hidden_dir};

  std::printf("cnnlab-grade: %s mode (%s checks)\n\n", instructor ? "instructor" : "student",
              instructor ? "visible and hidden" : "visible");
  std::printf("%3s  %-62s %7s  %7s  %s\n", "#", "exercise", "points", "checks", "");
  std::fflush(stdout);
  std::vector<ExerciseResult> results;
  std::map<int, const ExerciseResult*> done;
  results.reserve(numbers.size());
  double total = 0, max = 0;
  for (int n : numbers) {
    ExerciseResult r;
    r.ex = grade::find_exercise(n);
    for (const grade::Check& c : grade::all_checks())
      if (c.exercise == n && (!c.hidden || instructor))
        r.checks.push_back({.name = c.name, .hidden = c.hidden, .status = "not_run", .diagnosis = ""});
    for (int p : r.ex->prereqs) {
      const ExerciseResult* pr = done.count(p) ? done[p] : nullptr;
      if (pr && pr->status != "passed") {
        r.status = "blocked";
        r.note = "needs exercise " + std::to_string(p) + " (" + pr->ex->name + ") first: it scored " +
                 points_string(pr->points) + "/" + std::to_string(pr->ex->points);
        for (CheckResult& c : r.checks) c.diagnosis = r.note;
        break;
      }
    }
    if (r.status.empty()) {
      run_child(self, pass_on, r, instructor, time_scale);
      score(r);
    }
    total += r.points;
    max += r.ex->points;
    std::printf("%3d  %-62s %7s  %7s  %s\n", n, r.ex->title.c_str(),
                (points_string(r.points) + "/" + std::to_string(r.ex->points)).c_str(),
                (std::to_string(r.passed) + "/" + std::to_string(r.checks.size())).c_str(),
                r.note.c_str());
    std::fflush(stdout);
    results.push_back(std::move(r));
    done[n] = &results.back();
  }

  if (!quiet) {
    bool header = false;
    for (const ExerciseResult& r : results) {
      if (r.status == "passed" || r.status == "blocked") continue;
      if (!header) std::printf("\nWhat to fix:\n");
      header = true;
      std::printf("\nexercise %d: %s (%s; task page %s)\n", r.ex->number, r.ex->title.c_str(),
                  r.note.c_str(), r.ex->page.c_str());
      for (const CheckResult& c : r.checks) {
        if (c.status == "pass") continue;
        std::string d = c.diagnosis.empty() ? "not run (an earlier check crashed or hung)"
                                            : c.diagnosis;
        std::string indented;
        for (char ch : d) indented += ch == '\n' ? std::string("\n      ") : std::string(1, ch);
        std::printf("  FAILED %s%s\n      %s\n", c.hidden ? "[hidden] " : "", c.name.c_str(),
                    indented.c_str());
      }
    }
    std::printf("\nRun one exercise's checks alone with --only N (e.g. scripts/grade.sh --only 7).\n");
  }
  std::printf("\nTotal %s/%s\n", points_string(total).c_str(), points_string(max).c_str());

  if (!json_path.empty()) {
    try {
      const std::string text = to_json(results, instructor, total, max).dump(2) + "\n";
      cnnlab::io_detail::write_file_atomically(json_path, "cnnlab-grade: --json " + json_path + ": ", {text});
    } catch (const cnnlab::Error& e) {
      std::cerr << e.what() << "\n";
      return 2;
    }
  }
  return total == max ? 0 : 1;
}
