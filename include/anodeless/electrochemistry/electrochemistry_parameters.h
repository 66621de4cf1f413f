#pragma once

#include <string>
#include <vector>

namespace dealii
{
  class ParameterHandler;
}

namespace anodeless
{
  class MonotoneTable;

  /// Read an open-circuit potential table 'x,U'; throws InputError naming
  /// 'Electrochemistry/Cathode/Open-circuit potential file' if unusable.
  MonotoneTable
  read_ocp_table(const std::string &filename);

  /// "Electrochemistry/Cathode": the homogenized NCM811 composite.
  struct CathodeParameters
  {
    double       active_volume_fraction      = 0.60;
    double       electrolyte_volume_fraction = 0.28;
    double       bruggeman_exponent          = 1.5;
    double       particle_radius             = 3.8e-6;
    unsigned int shells                      = 12;
    double       max_concentration           = 49100;
    double       initial_li_fraction         = 0.995;
    /// Extra anodic current on the first charge, as a share of the
    /// delithiation current (electrolyte oxidation forming the CEI).
    double      first_charge_side_share       = 0.0;
    std::string diffusivity_model             = "ORegan2022";
    double      diffusivity                   = 4e-15;
    double      diffusivity_activation_energy = 12.05e3;
    double      exchange_current_density      = 1.0;
    double      kinetics_activation_energy    = 17.8e3;
    double      transfer_coefficient          = 0.5;
    double      contact_fraction              = 0.6;
    double      reference_specific_capacity   = 7.308e5;
    double      active_material_density       = 4750;
    std::string ocp_file;

    void
    declare(dealii::ParameterHandler &prm);
  };

  /// "Electrochemistry/Carbon layer": Li storage and transport in the
  /// carbon black + PVDF layer.
  struct CarbonParameters
  {
    double porosity                   = 0.4;
    double carbon_mass_fraction       = 0.915;
    double specific_capacity          = 7.2e5;
    double specific_surface_area      = 51e3;
    double active_area_fraction       = 0.1;
    double exchange_current_density   = 0.1;
    double kinetics_activation_energy = 30e3;
    double ocp_amplitude              = 0.8;
    double ocp_exponent               = 2.0;
    double initial_filling            = 1e-4;
    double trapped_fraction           = 0.1;
    double ionic_conductivity_empty   = 1e-4;
    double ionic_conductivity_full    = 1e-2;
    double ionic_activation_energy    = 33.8e3;
    double bruggeman_exponent         = 1.5;

    void
    declare(dealii::ParameterHandler &prm);
  };

  /// "Electrochemistry/Halide layer": electron paths through the LiF.
  struct HalideParameters
  {
    double       spot_area_fraction = 0.05;
    double       spot_conductivity  = 1e5;
    double       spot_size          = 1e-6;
    unsigned int spot_seed          = 1;
    std::string  spot_positions;

    void
    declare(dealii::ParameterHandler &prm);
  };

  /// "Electrochemistry/Plating": Li metal films on the anode-side interfaces.
  struct PlatingParameters
  {
    double exchange_current_density   = 130;
    double transfer_coefficient       = 0.5;
    double molar_volume               = 13.0e-6;
    double double_layer_capacitance   = 0.1;
    double bare_rest_potential        = 2.0;
    double nucleation_on_collector    = 0.030;
    double nucleation_on_halide       = 0.010;
    double nucleation_on_lithiophilic = 0.0;
    double nucleation_on_carbon       = 0.030;
    double nucleation_window          = 1e-4;
    double dead_on_collector          = 0.02;
    double dead_on_halide             = 0.005;
    double dead_on_lithiophilic       = 0.005;
    double dead_on_carbon             = 0.01;
    double sei_rate_constant          = 1.8;  ///< C m^-2 s^-1/2 at 25 C
    double sei_activation_energy      = 62e3; ///< J/mol, of k^2

    void
    declare(dealii::ParameterHandler &prm);
  };

  /// "Electrochemistry/Solver": Newton and linear solver controls.
  struct SolverParameters
  {
    unsigned int max_newton_iterations = 30;
    double       residual_tolerance    = 1e-10;
    double       update_tolerance      = 1e-10;
    std::string  linear_solver         = "auto";
    unsigned int direct_solver_limit   = 20000;
    double       linear_tolerance      = 1e-12;
    std::string  forcing               = "Eisenstat-Walker";
    double       maximum_forcing       = 0.1;
    bool         reuse_preconditioner  = true;
    bool         predict_potentials    = true;
    double       amg_strong_threshold = 0.5; ///< BoomerAMG strength of coupling
    unsigned int amg_aggressive_levels = 1; ///< BoomerAMG aggressive coarsening
    std::string  amg_coarsening        = "HMIS"; ///< BoomerAMG: HMIS or Falgout
    std::string  amg_smoother = "Gauss-Seidel";  ///< or symmetric Gauss-Seidel

    void
    declare(dealii::ParameterHandler &prm);
  };

  /// The "Electrochemistry" subsection.
  struct ElectrochemistryParameters
  {
    CathodeParameters cathode;
    CarbonParameters  carbon;
    HalideParameters  halide;
    PlatingParameters plating;
    SolverParameters  solver;

    void
    declare(dealii::ParameterHandler &prm);

    /// Cross-checks that need the dimension (throws InputError).
    void
    check(unsigned int dim) const;
  };
} // namespace anodeless
