// The protocol language: every step form, and clear errors.
#include <anodeless/core/errors.h>
#include <anodeless/protocol/protocol.h>

#include <testing.h>

using namespace anodeless;
using namespace anodeless::testing;

ANODELESS_TEST(protocol_steps)
{
  const auto steps = parse_protocol_steps(
    "Charge at 0.1C until 4.25 V; Hold at 4.25 V until 0.05C; "
    "Discharge at C/3 until 3.0 V; Rest for 1 hour; "
    "Charge at 1.3 mA/cm2 for 2 hours or until 4.2 V; "
    "discharge at 4 A/m2 for 30 min; rest for 90 s",
    "Protocol/Steps");
  check(steps.size() == 7, "seven steps");
  check(steps[0].kind == ProtocolStep::Kind::charge &&
          steps[0].current.is_rate && steps[0].current.value == 0.1 &&
          steps[0].has_voltage_cutoff && steps[0].voltage_cutoff == 4.25,
        "CC charge");
  check(steps[1].kind == ProtocolStep::Kind::hold &&
          steps[1].hold_voltage == 4.25 && steps[1].has_current_cutoff &&
          steps[1].current_cutoff.value == 0.05,
        "CV hold");
  check_relative(steps[2].current.value, 1.0 / 3.0, 1e-15, "C/3");
  check(steps[3].kind == ProtocolStep::Kind::rest && steps[3].duration == 3600,
        "rest for an hour");
  check(!steps[4].current.is_rate && steps[4].current.value == 13.0 &&
          steps[4].duration == 7200 && steps[4].has_voltage_cutoff,
        "mA/cm2 and two ends");
  check(steps[5].current.density(99.0) == 4.0 && steps[5].duration == 1800,
        "A/m2 and minutes");
  check(steps[6].duration == 90, "seconds");
  check_relative(steps[0].current.density(38.0), 3.8, 1e-15, "C-rate to A/m2");

  for (const std::string bad : {"Charge at 0.1X until 4.25 V",
                                "Jump at 3 V",
                                "Charge at 0.1C",
                                "Hold at 99 V until 0.05C",
                                "Rest",
                                "Rest until 3 V",
                                "Discharge at 0.1C until 0.05C",
                                "Charge at -1C until 4 V",
                                "Charge at 0.1C until 4.25 W",
                                "Rest for ten minutes"})
    {
      const std::string message = expect_throw<InputError>(
        [&] { parse_protocol_step(bad, "Protocol/Cycle steps"); },
        bad);
      check(message.find("not understood") != std::string::npos &&
              message.find("Charge at 0.1C until 4.25 V") != std::string::npos,
            "message for '" + bad + "' explains the forms: " + message);
    }
}
