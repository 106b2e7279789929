// process_* metrics from /proc/self, named as Prometheus' client libraries name them.
#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>

#include "metrics/metrics.hpp"

namespace zr::metrics {
namespace {

std::size_t CountOpenFds() {
    DIR* dir = ::opendir("/proc/self/fd");
    if (dir == nullptr) return 0;
    std::size_t count = 0;
    while (const dirent* entry = ::readdir(dir)) {
        if (entry->d_name[0] != '.') ++count;
    }
    ::closedir(dir);
    return count > 0 ? count - 1 : 0;  // the directory stream's own descriptor
}

// Fields of /proc/self/stat after the command name (which may hold spaces and parentheses).
std::vector<std::string> StatFields() {
    std::ifstream in("/proc/self/stat");
    std::string line;
    std::getline(in, line);
    const auto close = line.rfind(')');
    std::vector<std::string> fields;
    if (close == std::string::npos) return fields;
    std::istringstream rest(line.substr(close + 2));
    for (std::string field; rest >> field;) fields.push_back(field);
    return fields;  // fields[0] is field 3 of proc(5) (state)
}

double BootTime() {
    std::ifstream in("/proc/stat");
    for (std::string key; in >> key;) {
        if (key == "btime") {
            double value = 0;
            in >> value;
            return value;
        }
        in.ignore(1 << 20, '\n');
    }
    return 0;
}

}  // namespace

void AddProcessMetrics(Snapshot& snapshot) {
    const auto fields = StatFields();
    const double ticks = static_cast<double>(::sysconf(_SC_CLK_TCK));
    const double page = static_cast<double>(::sysconf(_SC_PAGESIZE));
    if (fields.size() > 21 && ticks > 0) {
        // proc(5): utime 14, stime 15, num_threads 20, starttime 22, vsize 23, rss 24.
        const double cpu = (std::stod(fields[11]) + std::stod(fields[12])) / ticks;
        snapshot.Counter("process_cpu_seconds_total", "User and system CPU time spent, in seconds", cpu);
        snapshot.Gauge("process_threads", "Threads of the process", std::stod(fields[17]));
        snapshot.Gauge("process_start_time_seconds", "Start time of the process since the Unix epoch, in seconds",
                       BootTime() + std::stod(fields[19]) / ticks);
        snapshot.Gauge("process_virtual_memory_bytes", "Virtual memory size, in bytes", std::stod(fields[20]));
        snapshot.Gauge("process_resident_memory_bytes", "Resident memory size, in bytes", std::stod(fields[21]) * page);
    }
    snapshot.Gauge("process_open_fds", "Open file descriptors", static_cast<double>(CountOpenFds()));
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) == 0) {
        snapshot.Gauge("process_max_fds", "Maximum number of open file descriptors",
                       static_cast<double>(limit.rlim_cur));
    }
}

}  // namespace zr::metrics
