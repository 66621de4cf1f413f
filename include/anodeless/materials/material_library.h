#pragma once

#include <string>
#include <vector>

namespace dealii
{
  class ParameterHandler;
}

namespace anodeless
{
  /**
   * @brief Bulk properties of one layer material (SI units).
   *
   * Conductivities are those of the dense conducting phase at the reference
   * temperature; porosity and tortuosity corrections are applied by the
   * physics that uses them. Temperature enters through Arrhenius laws.
   */
  struct Material
  {
    std::string name;
    double      electronic_conductivity      = 0;      ///< S/m at T_ref
    double      electronic_activation_energy = 0;      ///< J/mol
    double      ionic_conductivity           = 0;      ///< S/m at T_ref
    double      ionic_activation_energy      = 0;      ///< J/mol
    double      reference_temperature        = 298.15; ///< K
    double      youngs_modulus               = 0;      ///< Pa
    double      poisson_ratio                = 0;      ///< -
    double      yield_stress                 = 0;      ///< Pa
    double      density                      = 0;      ///< kg/m^3

    /// sigma(T) = sigma_ref exp(-E_a/R (1/T - 1/T_ref))  [S/m]
    double
    electronic_conductivity_at(double temperature) const;

    /// kappa(T) = kappa_ref exp(-E_a/R (1/T - 1/T_ref))  [S/m]
    double
    ionic_conductivity_at(double temperature) const;
  };

  /// Arrhenius factor exp(-E_a/R (1/T - 1/T_ref)).
  double
  arrhenius_factor(double activation_energy,
                   double temperature,
                   double reference_temperature);

  /**
   * @brief The materials a layer can be made of, one subsection each under
   * "Materials", with defaults and their sources.
   *
   * Adding a material means adding a row to the table in
   * material_library.cc and its name to the roles that accept it
   * (layer_stack.cc); no solver changes.
   */
  class MaterialLibrary
  {
  public:
    MaterialLibrary();

    void
    declare(dealii::ParameterHandler &prm);

    /// The material of this name; throws InputError if unknown.
    const Material &
    get(const std::string &name) const;

    const std::vector<Material> &
    all() const
    {
      return materials;
    }

  private:
    std::vector<Material> materials;
  };
} // namespace anodeless
