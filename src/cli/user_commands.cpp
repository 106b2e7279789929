// users:list, users:logged, users:verify, users:status, users:password.
#include <memory>
#include <optional>

#include "cli/commands.hpp"
#include "cli/listing.hpp"

namespace zr::cli {
namespace user_cmds {  // named, so the unity build keeps each file's helpers apart
namespace {

using domain::UserId;

std::string Named(const domain::User& user) { return "user " + std::to_string(user.id) + " (" + user.username + ")"; }

void AddList(CommandSet& commands) {
    struct Options {
        bool mail_list = false;
        bool json = false;
    };
    auto options = std::make_shared<Options>();
    auto& command = commands.Add(
        "users", "list", "List all users: id, username, email, active, verified", [options](Context& context) {
            auto users = context.services().accounts().ListUsers();
            if (options->mail_list && !options->json) {
                for (const auto& user : users) {
                    if (user.active && user.IsVerified()) context.out() << user.username << ' ' << user.email << '\n';
                }
                return 0;
            }
            Listing listing = options->mail_list ? Listing({"username", "email"})
                                                 : Listing({"id", "username", "email", "active", "verified"});
            for (const auto& user : users) {
                if (!options->mail_list) {
                    listing.Add({user.id, user.username, user.email, user.active, user.IsVerified()});
                } else if (user.active && user.IsVerified()) {
                    listing.Add({user.username, user.email});
                }
            }
            listing.Print(context.out(), options->json);
            return 0;
        });
    command.add_flag("-m,--mail-list", options->mail_list,
                     "Only active and verified users, as 'username email' lines (a mailing list)");
    AddJsonFlag(command, options->json);
}

void AddLogged(CommandSet& commands) {
    struct Options {
        std::optional<UserId> close;
        bool close_all = false;
        bool json = false;
    };
    auto options = std::make_shared<Options>();
    auto& command = commands.Add(
        "users", "logged", "List users with an open session, or end sessions", [options](Context& context) {
            auto& accounts = context.services().accounts();
            if (options->close) {
                auto user = RequireUser(context, *options->close);
                int closed = accounts.CloseSessions(user.id);
                context.out() << "closed " << closed << " session(s) of " << Named(user) << '\n';
            } else if (options->close_all) {
                context.out() << "closed " << accounts.CloseAllSessions() << " session(s)\n";
            } else {
                Listing listing({"id", "username", "email", "expires"});
                for (const auto& logged : accounts.ListLogged()) {
                    listing.Add(
                        {logged.user.id, logged.user.username, logged.user.email, FormatDateTime(logged.expires)});
                }
                listing.Print(context.out(), options->json);
            }
            return 0;
        });
    auto* close = command.add_option("--close", options->close, "End every session of this user")->type_name("USER_ID");
    command.add_flag("--close-all", options->close_all, "End every session of every user")->excludes(close);
    AddJsonFlag(command, options->json);
}

void AddVerify(CommandSet& commands) {
    struct Options {
        std::optional<UserId> verify;
        std::optional<UserId> send;
        bool verify_all = false;
        bool send_all = false;
    };
    auto options = std::make_shared<Options>();
    auto& command =
        commands.Add("users", "verify", "Mark e-mails verified (bypassing the code), or re-send the verification mail",
                     [options](Context& context) {
                         auto& accounts = context.services().accounts();
                         if (options->verify) {
                             auto user = RequireUser(context, *options->verify);
                             accounts.MarkVerified(user.id);
                             context.out() << Named(user) << " is verified\n";
                         } else if (options->verify_all) {
                             accounts.MarkAllVerified();
                             context.out() << "every user is verified\n";
                         } else if (options->send) {
                             auto user = RequireUser(context, *options->send);
                             if (!accounts.SendVerification(user.id))
                                 throw CliError(Named(user) + " is already verified");
                             context.out() << "verification mail sent to " << user.email << '\n';
                         } else {
                             int sent = 0;
                             for (const auto& user : accounts.ListUsers()) {
                                 if (!user.IsVerified() && accounts.SendVerification(user.id)) ++sent;
                             }
                             context.out() << "verification mail sent to " << sent << " unverified user(s)\n";
                         }
                         return 0;
                     });
    auto* group = command.add_option_group("action", "exactly one of");
    group->add_option("-v,--verify", options->verify, "Mark this user's e-mail verified")->type_name("UID");
    group->add_flag("--verify-all", options->verify_all, "Mark every user's e-mail verified");
    group->add_option("-s,--send", options->send, "Send this unverified user a new verification mail")
        ->type_name("UID");
    group->add_flag("--send-all", options->send_all, "Send every unverified user a new verification mail");
    group->require_option(1);
}

void AddStatus(CommandSet& commands) {
    struct Options {
        std::optional<UserId> activate;
        std::optional<UserId> deactivate;
        bool activate_all = false;
        bool deactivate_all = false;
    };
    auto options = std::make_shared<Options>();
    auto& command = commands.Add("users", "status", "Activate or deactivate accounts", [options](Context& context) {
        auto& accounts = context.services().accounts();
        if (options->activate || options->deactivate) {
            bool active = options->activate.has_value();
            auto user = RequireUser(context, active ? *options->activate : *options->deactivate);
            accounts.SetActive(user.id, active);
            context.out() << Named(user) << (active ? " is active\n" : " is deactivated\n");
        } else {
            accounts.SetAllActive(options->activate_all);
            context.out() << (options->activate_all ? "every user is active\n" : "every user is deactivated\n");
        }
        return 0;
    });
    auto* group = command.add_option_group("action", "exactly one of");
    group->add_option("-a,--activate", options->activate, "Activate this user")->type_name("UID");
    group->add_option("-d,--deactivate", options->deactivate, "Deactivate this user")->type_name("UID");
    group->add_flag("--activate-all", options->activate_all, "Activate every user");
    group->add_flag("--deactivate-all", options->deactivate_all, "Deactivate every user");
    group->require_option(1);
}

void AddPassword(CommandSet& commands) {
    auto reset = std::make_shared<UserId>(0);
    auto& command = commands.Add(
        "users", "password", "Start a password reset for a user and mail them the link", [reset](Context& context) {
            auto user = RequireUser(context, *reset);
            auto link = context.services().accounts().StartPasswordReset(user.id);
            context.out() << "password reset link mailed to " << user.email << ": " << link << '\n';
            return 0;
        });
    command.add_option("-r,--reset", *reset, "The user whose password to reset")->type_name("UID")->required();
}

}  // namespace
}  // namespace user_cmds

void AddUserCommands(CommandSet& commands) {
    user_cmds::AddList(commands);
    user_cmds::AddLogged(commands);
    AddUserCreateCommand(commands);
    user_cmds::AddVerify(commands);
    user_cmds::AddStatus(commands);
    user_cmds::AddPassword(commands);
}

}  // namespace zr::cli
