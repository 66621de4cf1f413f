#pragma once

#include <anodeless/geometry/layer_stack.h>

#include <string>
#include <utility>
#include <vector>

namespace dealii
{
  class ParameterHandler;
}

namespace anodeless
{
  /// Heckel compaction of a porous layer (separator, cathode, carbon layer).
  struct CompactionParameters
  {
    double heckel_k                 = 2.5e-9; ///< 1/Pa
    double heckel_a                 = 0.87;
    double initial_relative_density = 0.83;
  };

  /// The "Mechanics" subsection.
  struct MechanicsParameters
  {
    bool enabled = true;

    // Fabrication press
    bool         press_enabled   = true;
    double       press_pressure  = 500e6;     ///< Pa
    double       press_duration  = 1800;      ///< s at full pressure
    double       press_ramp_time = 60;        ///< s up and s down
    unsigned int press_steps     = 10;        ///< load increments per ramp
    std::string  press_layers    = "sliding"; ///< sliding | bonded

    // Porous layers
    CompactionParameters separator, cathode, carbon;
    double               percolation_density       = 0.5; ///< D_c
    double               percolation_exponent      = 2.0; ///< t in kappa(D)
    double               carbon_pressure_exponent  = 0.5;
    double               carbon_reference_pressure = 500e6; ///< Pa
    double               contact_density_exponent  = 1.0;
    double               contact_loss_strain       = 0.01;

    // Metals: J2 plasticity with linear hardening
    double hardening_fraction = 0.01; ///< H / E

    // Lateral behaviour and fixture during cycling
    std::string lateral_constraint = "free"; ///< free | confined
    std::string fixture = "spring"; ///< spring | constant pressure | fixed gap
    double      stack_pressure    = 5e6;  ///< Pa, preload / constant
    double      fixture_stiffness = 1e11; ///< Pa/m

    // Chemical expansion
    std::string ncm_volume_change =
      "0.2:-0.051, 0.3:-0.040, 0.4:-0.022, 0.5:-0.005, 0.6:0, 1.0:0";
    double carbon_volume_change = 0.01; ///< at full filling

    // Li metal films
    double li_creep_prefactor  = 1.658e-36; ///< Pa^-n s^-1
    double li_creep_exponent   = 6.6;
    double li_creep_activation = 37e3; ///< J/mol
    double li_ion_molar_volume = 0.0;  ///< m^3/mol, in the SE

    // Solver
    std::string linear_solver      = "auto";
    std::string multigrid_smoother = "lines";
    std::string multigrid_cycle    = "auto";

    // Coupling to the electrochemistry: passes per time step and the change
    // of the coupling fields that ends them.
    unsigned int coupling_iterations = 4;
    double       coupling_tolerance  = 1e-5;
    /// First pass with the coupling extrapolated along the last step.
    bool coupling_prediction = true;

    void
    declare(dealii::ParameterHandler &prm);

    void
    check() const;

    /// Parsed "x:dV/V" pairs of the NCM volume change.
    std::vector<std::pair<double, double>>
    ncm_volume_table() const;
  };
} // namespace anodeless
