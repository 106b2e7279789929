#include "wiring/services.hpp"

namespace zr::wiring {
namespace {

const settings::Settings& Prepared(const settings::Settings& settings) {
    settings::PrepareDataFolder(settings);
    return settings;
}

}  // namespace

Services::Services(const settings::Settings& settings)
    : settings_(Prepared(settings)),
      templates_(settings_.templates_dir),
      mattermost_(settings_),
      space_alarm_(mattermost_, templates_),
      file_system_([this](const std::string& what) { space_alarm_.Report(what); }),
      database_(settings_.db_path()),
      profiles_(file_system_, settings_.user_data_dir),
      site_(file_system_, settings_.data_folder),
      mailer_(settings_.mail),
      mail_queue_(mailer_),
      password_policy_({.min_length = settings_.password_min_length, .dictionary_path = {}}),
      accounts_(database_, profiles_, mail_queue_, templates_, settings_, password_policy_, clock_),
      challenges_(database_, clock_),
      models_(database_, challenges_, clock_),
      submission_store_(file_system_, settings_.submission_dir),
      leaderboards_(database_, submission_store_, settings_, clock_),
      records_(database_, submission_store_, clock_),
      completion_(records_, settings_),
      uploads_(records_, settings_, completion_),
      submission_reads_(records_),
      submission_admin_(records_, uploads_, completion_),
      evaluation_(database_, submission_store_, settings_, leaderboards_, {mail_queue_, mattermost_, templates_},
                  clock_),
      transfer_(database_, submission_store_, settings_, clock_) {
    site_.RecordInstallation(clock_.Now());
    completion_.SetUploadedHook([this](const submissions::UploadedEvent& event) {
        evaluation_.OnUploaded(event.submission, event.challenge, event.owner);
    });
}

Services::~Services() {
    completion_.Shutdown();
    evaluation_.Stop();
    mail_queue_.Flush();
}

}  // namespace zr::wiring
