// api:lock, api:unlock: lock mode (readonly.lock in the data folder), during which the API refuses
// every participant write with 423. Neither needs the database: an organiser locks before a
// migration or a backup touches it.
#include <memory>

#include "cli/commands.hpp"
#include "common/file_system.hpp"
#include "storage/site_state.hpp"

namespace zr::cli {
namespace lock_cmds {  // named, so the unity build keeps each file's helpers apart
namespace {

struct Options {
    std::string reason;
};

int Lock(const Options& options, Context& context) {
    PosixFileSystem fs;
    const storage::SiteState site(fs, context.settings().data_folder);
    const bool was_locked = site.Locked();
    site.Lock(options.reason);
    context.out() << (was_locked ? "lock mode was already on; reason updated: " : "lock mode on: ")
                  << site.lock_path().string() << '\n'
                  << "The API now refuses writes (423) until 'zr api:unlock'; reads and logins keep working.\n";
    return 0;
}

int Unlock(Context& context) {
    PosixFileSystem fs;
    const storage::SiteState site(fs, context.settings().data_folder);
    context.out() << (site.Unlock() ? "lock mode off: writes are accepted again\n"
                                    : "lock mode was not on (no " + site.lock_path().string() + ")\n");
    return 0;
}

}  // namespace
}  // namespace lock_cmds

void AddLockCommands(CommandSet& commands) {
    using namespace lock_cmds;
    auto options = std::make_shared<Options>();
    auto& lock = commands.Add("api", "lock",
                              "Put the API in lock mode (readonly.lock in the data folder): every write route answers "
                              "423 until api:unlock; reads, logins and evaluation workers keep working. Use it "
                              "during backups and migrations",
                              [options](Context& context) { return Lock(*options, context); });
    lock.add_option("--reason", options->reason, "Why (kept in readonly.lock for the other organisers)")
        ->type_name("TEXT");
    commands.Add("api", "unlock", "Leave lock mode (removes readonly.lock): writes are accepted again",
                 [](Context& context) { return Unlock(context); });
}

}  // namespace zr::cli
