#include <deal.II/base/parameter_handler.h>

#include <anodeless/core/constants.h>
#include <anodeless/core/errors.h>
#include <anodeless/protocol/protocol.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <map>
#include <regex>
#include <sstream>

namespace anodeless
{
  namespace
  {
    const char *const step_forms =
      "The step forms are: 'Charge at 0.1C until 4.25 V', 'Discharge at "
      "C/3 until 3.0 V', 'Charge at 1.3 mA/cm2 for 2 hours', 'Hold at 4.25 V "
      "until 0.05C', 'Rest for 1 hour' (currents as C-rates, mA/cm2 or "
      "A/m2; durations in s, min or h; several ends joined by 'or').";

    /// The compiled pattern of an expression (compiled once: a protocol of
    /// 51 cycles asks for the same few patterns again and again).
    const std::regex &
    pattern(const std::string &expression)
    {
      static std::map<std::string, std::regex> compiled;
      auto found = compiled.find(expression);
      if (found == compiled.end())
        found =
          compiled
            .emplace(expression, std::regex(expression, std::regex::icase))
            .first;
      return found->second;
    }

    std::string
    lower(std::string s)
    {
      std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) {
        return std::tolower(c);
      });
      return s;
    }

    const std::string number = R"(([0-9]*\.?[0-9]+(?:e[-+]?[0-9]+)?))";

    /// The number matched by 'number', or NaN if it over- or underflows.
    double
    to_number(const std::string &text)
    {
      errno              = 0;
      char        *end   = nullptr;
      const double value = std::strtod(text.c_str(), &end);
      if (errno == ERANGE || end == text.c_str())
        return std::numeric_limits<double>::quiet_NaN();
      return value;
    }

    bool
    parse_current(const std::string &text, CurrentSetting &current)
    {
      std::smatch m;
      if (std::regex_match(text, m, pattern("\\s*" + number + "\\s*c\\s*")))
        current = {to_number(m[1]), true};
      else if (std::regex_match(text,
                                m,
                                pattern("\\s*c\\s*/\\s*" + number + "\\s*")))
        current = {1.0 / to_number(m[1]), true};
      else if (std::regex_match(text,
                                m,
                                pattern("\\s*" + number +
                                        "\\s*ma\\s*/\\s*cm\\^?2\\s*")))
        current = {to_number(m[1]) * 10.0, false};
      else if (std::regex_match(text,
                                m,
                                pattern("\\s*" + number +
                                        "\\s*a\\s*/\\s*m\\^?2\\s*")))
        current = {to_number(m[1]), false};
      else
        return false;
      return std::isfinite(current.value) && current.value > 0;
    }

    bool
    parse_duration(const std::string &text, double &seconds)
    {
      std::smatch m;
      if (!std::regex_match(text,
                            m,
                            pattern(
                              "\\s*" + number +
                              "\\s*(s|sec|secs|second|seconds|min|mins|minute|"
                              "minutes|h|hr|hrs|hour|hours)\\s*")))
        return false;
      const std::string unit = lower(m[2]);
      const double      v    = to_number(m[1]);
      seconds =
        unit[0] == 's' ? v : (unit[0] == 'm' ? 60 * v : constants::hour * v);
      return std::isfinite(seconds) && seconds > 0;
    }

    bool
    parse_voltage(const std::string &text, double &volts)
    {
      std::smatch m;
      if (!std::regex_match(text, m, pattern("\\s*" + number + "\\s*v\\s*")))
        return false;
      volts = to_number(m[1]);
      return std::isfinite(volts) && volts > 0 && volts < 10;
    }

    std::vector<std::string>
    split(const std::string &text, const std::string &separator)
    {
      std::vector<std::string> parts;
      std::size_t              start = 0;
      while (true)
        {
          const auto at = text.find(separator, start);
          parts.push_back(text.substr(start,
                                      at == std::string::npos ?
                                        std::string::npos :
                                        at - start));
          if (at == std::string::npos)
            break;
          start = at + separator.size();
        }
      return parts;
    }

    std::string
    trim(const std::string &s)
    {
      const auto a = s.find_first_not_of(" \t");
      if (a == std::string::npos)
        return "";
      return s.substr(a, s.find_last_not_of(" \t") - a + 1);
    }
  } // namespace

  ProtocolStep
  parse_protocol_step(const std::string &original, const std::string &parameter)
  {
    const auto fail = [&](const std::string &why) -> ProtocolStep {
      throw InputError(parameter,
                       "the protocol step '" + trim(original) +
                         "' is not understood: " + why + ". " + step_forms);
    };
    ProtocolStep step;
    step.text               = trim(original);
    const std::string &text = step.text;

    std::smatch m;
    std::string ends;
    if (std::regex_match(
          text,
          m,
          pattern(R"((charge|discharge)\s+at\s+(.*?)\s*((?:for|until)\s.*)?)")))
      {
        step.kind = lower(m[1]) == "charge" ? ProtocolStep::Kind::charge :
                                              ProtocolStep::Kind::discharge;
        if (!parse_current(m[2], step.current))
          return fail("'" + std::string(m[2]) +
                      "' is not a positive current (e.g. 0.1C, C/10, "
                      "0.4 mA/cm2, 4 A/m2)");
        if (step.current.is_rate && step.current.value > 1000)
          return fail("a rate above 1000C is outside what the model "
                      "describes");
        ends = m[3];
      }
    else if (std::regex_match(
               text,
               m,
               pattern(R"(hold\s+at\s+[0-9.e+-]+\s*((?:for|until)\s.*)?)")))
      return fail("the hold voltage needs its unit, as in 'Hold at 4.25 V "
                  "until 0.05C'");
    else if (std::regex_match(
               text,
               m,
               pattern(R"(hold\s+at\s+(.*?v)\s*((?:for|until)\s.*)?)")))
      {
        step.kind = ProtocolStep::Kind::hold;
        if (!parse_voltage(m[1], step.hold_voltage))
          return fail("'" + std::string(m[1]) +
                      "' is not a voltage between 0 and 10 V");
        ends = m[2];
      }
    else if (std::regex_match(text,
                              m,
                              pattern(R"(rest\s*((?:for|until)\s.*)?)")))
      {
        step.kind = ProtocolStep::Kind::rest;
        ends      = m[1];
      }
    else
      return fail("it does not start with 'Charge at', 'Discharge at', "
                  "'Hold at' or 'Rest'");

    for (std::string clause :
         split(std::regex_replace(ends, pattern(R"(\s+or\s+)"), ";"), ";"))
      {
        clause = trim(clause);
        if (clause.empty())
          continue;
        const std::string head = lower(clause.substr(0, 6));
        if (head.rfind("for ", 0) == 0)
          {
            if (!parse_duration(clause.substr(4), step.duration))
              return fail("'" + clause +
                          "' is not a positive duration with a unit (s, min "
                          "or h)");
            step.has_duration = true;
          }
        else if (head.rfind("until ", 0) == 0)
          {
            const std::string what = clause.substr(6);
            double            volts;
            CurrentSetting    current;
            if (parse_voltage(what, volts))
              {
                if (step.kind == ProtocolStep::Kind::hold ||
                    step.kind == ProtocolStep::Kind::rest)
                  return fail("a hold or a rest cannot end at a voltage");
                step.has_voltage_cutoff = true;
                step.voltage_cutoff     = volts;
              }
            else if (parse_current(what, current))
              {
                if (step.kind != ProtocolStep::Kind::hold)
                  return fail("only a hold can end at a current");
                step.has_current_cutoff = true;
                step.current_cutoff     = current;
              }
            else
              return fail("'" + clause +
                          "' is neither a voltage nor a current");
          }
        else
          return fail("an end condition should read 'for <duration>' or "
                      "'until <voltage or current>', not '" +
                      clause + "'");
      }

    if (!step.has_duration && !step.has_voltage_cutoff &&
        !step.has_current_cutoff)
      return fail("it has no end: add 'until ...' or 'for ...'");
    return step;
  }

  std::vector<ProtocolStep>
  parse_protocol_steps(const std::string &text, const std::string &parameter)
  {
    std::vector<ProtocolStep> steps;
    for (const auto &part : split(text, ";"))
      if (!trim(part).empty())
        steps.push_back(parse_protocol_step(part, parameter));
    return steps;
  }

  void
  ProtocolParameters::declare(dealii::ParameterHandler &prm)
  {
    using namespace dealii;
    prm.enter_subsection("Protocol");
    prm.add_parameter("Temperature",
                      temperature,
                      "Cell temperature in K, constant during the run. [P] "
                      "45 C (318.15 K), patent [0140].",
                      Patterns::Double(200, 500));
    prm.add_parameter(
      "First cycle steps",
      first_cycle_steps,
      "Steps of cycle 1, separated by ';' (empty: cycle 1 uses 'Cycle "
      "steps'). Forms: 'Charge at 0.1C until 4.25 V', 'Hold at 4.25 V until "
      "0.05C', 'Discharge at C/3 until 3.0 V', 'Rest for 1 hour'; currents "
      "as C-rates (from Electrochemistry/Cathode/Reference specific "
      "capacity), mA/cm2 or A/m2. [P] the patent's first cycle, [0141]: "
      "0.1C CC/CV to 4.25 V (0.05C cut-off), 0.1C CC to 3.0 V.",
      Patterns::Anything());
    prm.add_parameter("Cycle steps",
                      cycle_steps,
                      "Steps of cycles 2, 3, ... (same forms). [P] the "
                      "patent's cycling, [0144]: 'Charge at 0.33C until 4.25 "
                      "V; Hold at 4.25 V until 0.1C; Discharge at 0.33C "
                      "until 3.0 V'.",
                      Patterns::Anything());
    prm.add_parameter("Number of cycles",
                      cycles,
                      "Number of cycles to run (cycle 1 plus repetitions of "
                      "'Cycle steps').",
                      Patterns::Integer(0, 100000));
    prm.enter_subsection("Time stepping");
    prm.add_parameter("Initial time step",
                      initial_time_step,
                      "First time step of every protocol step, in s.",
                      Patterns::Double(1e-9, 1e5));
    prm.add_parameter("Maximum time step",
                      maximum_time_step,
                      "Largest time step, in s.",
                      Patterns::Double(1e-9, 1e6));
    prm.add_parameter("Minimum time step",
                      minimum_time_step,
                      "Smallest time step before the run gives up, in s.",
                      Patterns::Double(1e-15, 1e3));
    prm.add_parameter(
      "Voltage change per step",
      voltage_change_per_step,
      "Target change of the cell voltage per time step, in "
      "V; steps grow or shrink to meet it. It sets how finely "
      "the voltage curve is sampled; the capacities hardly "
      "depend on it (each cut-off is landed on). 1D Example, "
      "first cycle: 613 steps at 0.005 V and 300 s, 160 at "
      "0.02 V and 1200 s, capacities within 1.5e-5 of those "
      "at 0.0025 V and 150 s; over 51 cycles the fade "
      "accumulates: discharge capacities differ by up to 0.55 % "
      "(cycle 35; doc/performance.md). [N]",
      Patterns::Double(1e-6, 1));
    prm.add_parameter("Voltage cut-off tolerance",
                      voltage_cutoff_tolerance,
                      "A step ends when the voltage is within this distance "
                      "of its cut-off, in V.",
                      Patterns::Double(1e-12, 0.1));
    prm.add_parameter("Current cut-off tolerance",
                      current_cutoff_tolerance,
                      "A hold ends when the current is within this relative "
                      "distance of its cut-off.",
                      Patterns::Double(1e-12, 0.1));
    prm.leave_subsection();
    prm.leave_subsection();
  }

  void
  ProtocolParameters::check() const
  {
    const auto first =
      parse_protocol_steps(first_cycle_steps, "Protocol/First cycle steps");
    const auto later =
      parse_protocol_steps(cycle_steps, "Protocol/Cycle steps");
    if (cycles >= 1 && first.empty() && later.empty())
      throw InputError("Protocol/First cycle steps",
                       "there are no protocol steps: give 'First cycle steps' "
                       "or 'Cycle steps', or set 'Number of cycles' to 0.");
    if (cycles >= 2 && later.empty())
      throw InputError("Protocol/Cycle steps",
                       "'Number of cycles' is " + std::to_string(cycles) +
                         " but 'Cycle steps' is empty: give the steps of "
                         "cycles 2 and later.");
    if (minimum_time_step > initial_time_step ||
        initial_time_step > maximum_time_step)
      throw InputError("Protocol/Time stepping/Initial time step",
                       "the time steps must satisfy minimum <= initial <= "
                       "maximum.");
  }

  std::vector<ProtocolStep>
  ProtocolParameters::steps_of_cycle(const unsigned int cycle) const
  {
    if (cycle == 1 && !parse_protocol_steps(first_cycle_steps, "").empty())
      return parse_protocol_steps(first_cycle_steps,
                                  "Protocol/First cycle steps");
    return parse_protocol_steps(cycle_steps, "Protocol/Cycle steps");
  }
} // namespace anodeless
