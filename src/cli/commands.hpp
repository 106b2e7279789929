#pragma once
// The admin command groups; each function registers its commands (see cli.md) on the set.
#include "cli/command_set.hpp"

namespace zr::cli {

// users:list, users:logged, users:create, users:verify, users:status, users:password
void AddUserCommands(CommandSet& commands);
// users:create (called by AddUserCommands)
void AddUserCreateCommand(CommandSet& commands);
// challenges:list, challenges:new, challenges:set
void AddChallengeCommands(CommandSet& commands);
// submissions:list, submissions:set, submissions:create
void AddSubmissionCommands(CommandSet& commands);
// models:list
void AddModelCommands(CommandSet& commands);
// evaluator:discover, evaluator:list, evaluator:hosts
void AddEvaluatorCommands(CommandSet& commands);
// leaderboards:list, leaderboards:create, leaderboards:build, leaderboards:show
void AddLeaderboardCommands(CommandSet& commands);
// submissions:evaluate, submissions:cancel, submissions:scores, jobs:list, workers:list
void AddEvaluationCommands(CommandSet& commands);
// messaging:send
void AddMessagingCommands(CommandSet& commands);
// check:settings
void AddSettingsCommands(CommandSet& commands);
// api:lock, api:unlock
void AddLockCommands(CommandSet& commands);
// worker (evaluation workers of this host)
void AddWorkerCommand(CommandSet& commands);

}  // namespace zr::cli
