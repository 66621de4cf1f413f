#include <deal.II/base/parameter_handler.h>

#include <anodeless/core/constants.h>
#include <anodeless/electrochemistry/short_circuit.h>
#include <anodeless/materials/material_library.h>

#include <cmath>

namespace anodeless
{
  using namespace dealii;

  const std::array<const char *, ShortCircuitMargins::n>
    ShortCircuitMargins::names = {{"S1 critical current density",
                                   "S2 Li-filled flaw",
                                   "S3 stripping void",
                                   "S4 current focused on spots",
                                   "S5 creep penetration"}};

  unsigned int
  ShortCircuitMargins::failed() const
  {
    for (unsigned int k = 0; k < n; ++k)
      if (margin[k] <= 0)
        return k;
    return n;
  }

  void
  ShortCircuitParameters::declare(ParameterHandler &prm)
  {
    prm.enter_subsection("Short circuit");
    prm.add_parameter("Enabled",
                      enabled,
                      "Evaluate the short-circuit criteria every time step and "
                      "end the run with status 'short' when one is met.",
                      Patterns::Bool());
    prm.add_parameter("CCD at reference density",
                      ccd_reference,
                      "Critical current density of Li|Li6PS5Cl at 25 C and "
                      "the reference density, A/m2 (10 = 1 mA/cm2). [V] "
                      "0.4-1.5 mA/cm2 cold-pressed, Singh 2022 "
                      "doi:10.1016/j.xcrp.2022.101043, Duan 2023 "
                      "doi:10.1016/j.mattod.2023.10.003.",
                      Patterns::Double(1e-6, 1e6));
    prm.add_parameter("CCD reference density",
                      ccd_reference_density,
                      "Relative density of those measurements. [V] about 0.83 "
                      "(cold-pressed).",
                      Patterns::Double(0.1, 1));
    prm.add_parameter("CCD of dense electrolyte",
                      ccd_dense,
                      "Critical current density at the dense density, A/m2. "
                      "[V] 9 mA/cm2 at 99 % density, Nat. Energy 2025 "
                      "doi:10.1038/s41560-025-01847-0. Log-linear in the "
                      "density in between.",
                      Patterns::Double(1e-6, 1e6));
    prm.add_parameter("CCD dense density",
                      ccd_dense_density,
                      "Relative density of that measurement. [V] 0.99.",
                      Patterns::Double(0.1, 1));
    prm.add_parameter("CCD activation energy",
                      ccd_activation_energy,
                      "Arrhenius activation energy of the critical current "
                      "density, J/mol. [A] 30 kJ/mol (Li creep and interface "
                      "kinetics both speed up with temperature).",
                      Patterns::Double(0, 5e5));
    prm.add_parameter("CCD reference pressure",
                      ccd_reference_pressure,
                      "The critical current density scales as 1 + p/p_ref "
                      "with the stack pressure p, Pa. [A] 10 MPa (Duan 2023: "
                      "1.5 to 4.0 mA/cm2 with stack pressure).",
                      Patterns::Double(1, 1e12));
    prm.add_parameter("Fracture toughness",
                      fracture_toughness,
                      "K_IC of the solid electrolyte, Pa m^0.5. [V] 0.23 "
                      "MPa m^0.5 as quoted by Singh 2022 (Li2S-P2S5 glass).",
                      Patterns::Double(1, 1e9));
    prm.add_parameter("Flaw size",
                      flaw_size,
                      "Size a of a Li-filled flaw at a Li|electrolyte contact, "
                      "m. [A] 1 um (16 mV of plating overpotential open it).",
                      Patterns::Double(1e-10, 1e-2));
    prm.add_parameter("Flaw geometry factor",
                      geometry_factor,
                      "Y in K_IC / (Y sqrt(pi a)). [A] 1.12 (edge crack).",
                      Patterns::Double(0.1, 10));
    prm.add_parameter("Void length",
                      void_length,
                      "Distance over which creep must bring Li to a "
                      "stripping interface: voids form when stripping "
                      "outpaces (F/Omega) L A p^n exp(-Q/RT), m. [A] 10 um.",
                      Patterns::Double(1e-9, 1));
    prm.add_parameter("Penetration pressure",
                      penetration_pressure,
                      "Stack pressure above which Li creeps through the "
                      "electrolyte, Pa. [V] 75 MPa shorted by creep after "
                      "13 h, Duan 2023.",
                      Patterns::Double(1, 1e12));
    prm.add_parameter("Soft short onset",
                      soft_short_onset,
                      "A soft short (a filament that partly bridges the "
                      "separator) starts to leak once the current at a "
                      "Li|electrolyte contact exceeds this share of the "
                      "critical current density. [A] 0.8.",
                      Patterns::Double(0, 1));
    prm.add_parameter("Soft short conductance",
                      soft_short_conductance,
                      "Electronic conductance per area of a fully developed "
                      "soft short between the electrodes, S/m2; it grows "
                      "linearly from the onset to the critical current "
                      "density. [A] 0.1 S/m2 (0.04 mA/cm2 at 4 V).",
                      Patterns::Double(0, 1e6));
    prm.leave_subsection();
  }

  double
  critical_current_density(const ShortCircuitParameters &p,
                           const double                  density,
                           const double                  temperature,
                           const double                  pressure)
  {
    const double slope = std::log(p.ccd_dense / p.ccd_reference) /
                         (p.ccd_dense_density - p.ccd_reference_density);
    return p.ccd_reference *
           std::exp(slope * (density - p.ccd_reference_density)) *
           arrhenius_factor(p.ccd_activation_energy, temperature, 298.15) *
           (1 + std::max(0.0, pressure) / p.ccd_reference_pressure);
  }

  ShortCircuitMargins
  evaluate_short_circuit(const ShortCircuitParameters         &p,
                         const std::vector<ContactStatistics> &contacts,
                         const double separator_density,
                         const double temperature,
                         const double stack_pressure,
                         const double spot_fraction,
                         const double molar_volume,
                         const double creep_rate_factor,
                         const double creep_exponent)
  {
    ShortCircuitMargins m;
    const double        ccd = critical_current_density(p,
                                                separator_density,
                                                temperature,
                                                stack_pressure);
    const double        flaw_pressure =
      p.fracture_toughness /
      (p.geometry_factor * std::sqrt(M_PI * p.flaw_size));
    const double void_current =
      constants::faraday / molar_volume * p.void_length * creep_rate_factor *
      std::pow(std::max(stack_pressure, 0.0), creep_exponent);
    double worst_contact = 0;
    for (const auto &c : contacts)
      {
        if (!c.has_li)
          continue;
        const std::string where =
          c.interface + " at x = " + std::to_string(c.position) + " m";
        const auto lower = [&](const unsigned int k, const double value) {
          if (value < m.margin[k])
            {
              m.margin[k]   = value;
              m.location[k] = where;
            }
        };
        lower(0, 1 - c.max_current / ccd);
        lower(1,
              1 - constants::faraday * c.max_plating_overpotential /
                    molar_volume / flaw_pressure);
        if (void_current > 0)
          lower(2, 1 - c.max_stripping / void_current);
        if (c.halide_below)
          lower(3, 1 - c.max_current / spot_fraction / ccd);
        worst_contact = std::max(
          {worst_contact,
           c.max_current / ccd,
           c.halide_below ? c.max_current / spot_fraction / ccd : 0.0});
      }
    m.margin[4]   = 1 - stack_pressure / p.penetration_pressure;
    m.location[4] = "stack";
    const double growth =
      (worst_contact - p.soft_short_onset) / (1 - p.soft_short_onset);
    m.soft_short_conductance =
      p.soft_short_conductance * std::clamp(growth, 0.0, 1.0);
    return m;
  }
} // namespace anodeless
