#pragma once

#include <array>
#include <string>
#include <vector>

namespace dealii
{
  class ParameterHandler;
}

namespace anodeless
{
  /// Where Li metal touches the solid electrolyte, the worst values on one
  /// interface in the current state (from the electrochemistry).
  struct ContactStatistics
  {
    std::string interface;             ///< "Halide layer|Separator"
    bool        halide_below  = false; ///< Li plates on the halide layer
    bool        has_li        = false; ///< a film or an open gate
    double      max_current   = 0;     ///< largest |j_F| [A/m^2]
    double      max_stripping = 0;     ///< largest stripping j_F [A/m^2]
    double      max_plating_overpotential = 0; ///< largest -eta [V]
    double      position = 0; ///< lateral position of max_current [m]
  };

  /// The "Short circuit" subsection: criteria S1-S5 and soft shorts.
  struct ShortCircuitParameters
  {
    bool   enabled                = true;
    double ccd_reference          = 10.0; ///< A/m^2 at the reference density
    double ccd_reference_density  = 0.83;
    double ccd_dense              = 90.0; ///< A/m^2 at the dense density
    double ccd_dense_density      = 0.99;
    double ccd_activation_energy  = 30e3;   ///< J/mol
    double ccd_reference_pressure = 10e6;   ///< Pa
    double fracture_toughness     = 0.23e6; ///< Pa m^0.5
    double flaw_size              = 1e-6;   ///< m
    double geometry_factor        = 1.12;
    double void_length            = 10e-6; ///< m
    double penetration_pressure   = 75e6;  ///< Pa
    double soft_short_onset       = 0.8;
    double soft_short_conductance = 0.1; ///< S/m^2

    void
    declare(dealii::ParameterHandler &prm);
  };

  /// Margins to the five criteria (1 - load/limit: 1 far, <= 0 shorted).
  struct ShortCircuitMargins
  {
    static constexpr unsigned int n = 5;
    std::array<double, n>         margin{{1, 1, 1, 1, 1}};
    std::array<std::string, n>    location;
    double                        soft_short_conductance = 0; ///< S/m^2

    static const std::array<const char *, n> names;

    /// Index of the criterion that fails, or n if none.
    unsigned int
    failed() const;
  };

  /**
   * Evaluate the criteria: S1 current density at a Li|electrolyte contact
   * above the critical current density j_CCD(D, T, p); S2 a Li-filled flaw
   * of size a opened by the plating overpotential, F|eta|/Omega >=
   * K_IC/(Y sqrt(pi a)); S3 stripping faster than creep can bring Li to the
   * interface; S4 the current focused on the halide layer's conducting spots
   * (1D: j/f_e) above j_CCD; S5 stack pressure above the creep-penetration
   * pressure.
   */
  ShortCircuitMargins
  evaluate_short_circuit(const ShortCircuitParameters         &parameters,
                         const std::vector<ContactStatistics> &contacts,
                         double separator_density,
                         double temperature,
                         double stack_pressure,
                         double spot_fraction, ///< f_e in 1D, 1 in 2D/3D
                         double li_molar_volume,
                         double creep_rate_factor, ///< A exp(-Q/RT)
                         double creep_exponent);

  /// Critical current density [A/m^2].
  double
  critical_current_density(const ShortCircuitParameters &parameters,
                           double                        density,
                           double                        temperature,
                           double                        pressure);
} // namespace anodeless
