#pragma once

#include <string>
#include <vector>

namespace dealii
{
  class ParameterHandler;
}

namespace anodeless
{
  /// A current given as a C-rate or as a current density.
  struct CurrentSetting
  {
    double value   = 0;    ///< C-rate [1/h] or current density [A/m^2]
    bool   is_rate = true; ///< true: value is a C-rate

    /// In A/m^2, given the 1C current density [A/m^2].
    double
    density(const double one_c) const
    {
      return is_rate ? value * one_c : value;
    }
  };

  /**
   * @brief One step of the protocol, parsed from text such as
   * "Charge at 0.1C until 4.25 V", "Hold at 4.25 V until 0.05C",
   * "Discharge at 1.3 mA/cm2 until 3.0 V", "Rest for 1 hour".
   */
  struct ProtocolStep
  {
    enum class Kind
    {
      charge,    ///< constant current into the cell
      discharge, ///< constant current out of the cell
      hold,      ///< constant voltage
      rest       ///< zero current
    };

    Kind           kind = Kind::rest;
    std::string    text;
    CurrentSetting current;                ///< charge/discharge
    double         hold_voltage       = 0; ///< V, hold
    bool           has_voltage_cutoff = false;
    double         voltage_cutoff     = 0; ///< V
    bool           has_current_cutoff = false;
    CurrentSetting current_cutoff; ///< hold: stop below this current
    bool           has_duration = false;
    double         duration     = 0; ///< s
  };

  /// Parse one step; throws InputError on text it cannot read.
  ProtocolStep
  parse_protocol_step(const std::string &text, const std::string &parameter);

  /// Parse a ';'-separated list of steps.
  std::vector<ProtocolStep>
  parse_protocol_steps(const std::string &text, const std::string &parameter);

  /// The "Protocol" subsection: temperature, steps, cycles, time stepping.
  struct ProtocolParameters
  {
    double      temperature = 318.15; ///< K
    std::string first_cycle_steps =
      "Charge at 0.1C until 4.25 V; Hold at 4.25 V until 0.05C; "
      "Discharge at 0.1C until 3.0 V";
    std::string  cycle_steps;
    unsigned int cycles = 1;

    // Time stepping
    double initial_time_step        = 1.0;   ///< s
    double maximum_time_step        = 300.0; ///< s
    double voltage_change_per_step  = 0.005; ///< V, target
    double voltage_cutoff_tolerance = 1e-5;  ///< V
    double current_cutoff_tolerance = 1e-4;  ///< relative
    double minimum_time_step        = 1e-6;  ///< s

    void
    declare(dealii::ParameterHandler &prm);

    /// Parse the step lists (throws InputError).
    void
    check() const;

    /// The steps of cycle @p cycle (1-based).
    std::vector<ProtocolStep>
    steps_of_cycle(unsigned int cycle) const;
  };
} // namespace anodeless
