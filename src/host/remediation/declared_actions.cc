// RegisterDeclaredActions: a Dispatcher handler per declared action type.
#include <memory>

#include "program/api_access.h"
#include "host/remediation/action_executor.h"
#include "proact/dispatch.h"
#include "proact/policy_set.h"

namespace proact {

void RegisterDeclaredActions(Dispatcher& dispatcher, const PolicySet& policies) {
  const auto& program = internal::ProgramOf(policies);
  if (program->action_types.empty()) return;
  auto executor = std::make_shared<internal::ActionExecutor>(
      program, std::make_shared<internal::CredentialBroker>());
  for (std::size_t i = 0; i < program->action_types.size(); ++i) {
    int type = static_cast<int>(i);
    dispatcher.Register(program->action_types[i].name,
                        [executor, type](const ActionContext& ctx) { return executor->Run(type, ctx); });
  }
}

}  // namespace proact
