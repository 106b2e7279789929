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
      database_(settings_.db_path()),
      profiles_(settings_.user_data_dir),
      templates_(settings_.templates_dir),
      mailer_(settings_.mail),
      mail_queue_(mailer_),
      mattermost_(settings_),
      accounts_(database_, profiles_, mail_queue_, templates_, settings_, clock_),
      challenges_(database_, clock_),
      submission_store_(settings_.submission_dir),
      leaderboards_(database_, submission_store_, settings_, clock_),
      submissions_(database_, submission_store_, settings_, mail_queue_, templates_, clock_),
      evaluation_(database_, submission_store_, settings_, leaderboards_, {mail_queue_, mattermost_, templates_},
                  clock_),
      transfer_(database_, submission_store_, settings_) {
    submissions_.SetUploadedHook([this](const std::string& id) { evaluation_.OnUploaded(id); });
}

Services::~Services() {
    submissions_.Shutdown();
    evaluation_.Stop();
    mail_queue_.Flush();
}

}  // namespace zr::wiring
