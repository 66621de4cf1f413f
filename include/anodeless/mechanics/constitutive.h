#pragma once

#include <deal.II/base/symmetric_tensor.h>

namespace anodeless
{
  using Stress  = dealii::SymmetricTensor<2, 3>;
  using Strain  = dealii::SymmetricTensor<2, 3>;
  using Tangent = dealii::SymmetricTensor<4, 3>;

  /// Isotropic elastic constants.
  struct Elasticity
  {
    double bulk  = 0; ///< K [Pa]
    double shear = 0; ///< mu [Pa]

    static Elasticity
    from_young_poisson(double youngs_modulus, double poisson_ratio);

    /// P-wave (constrained) modulus M = K + 4 mu / 3.
    double
    constrained_modulus() const
    {
      return bulk + 4.0 * shear / 3.0;
    }

    Tangent
    stiffness() const;

    Stress
    stress(const Strain &elastic_strain) const;
  };

  /// Stress and consistent tangent of a material point.
  struct Response
  {
    Stress  stress;
    Tangent tangent;
  };

  /// History of a material point (all strains are 3D; plane strain and the
  /// 1D stack embed theirs).
  struct MaterialState
  {
    Strain plastic_strain;                ///< J2 or compaction
    double equivalent_plastic_strain = 0; ///< J2 hardening variable
    double max_pressure              = 0; ///< largest mean pressure seen [Pa]
  };

  /**
   * @brief J2 (von Mises) plasticity with linear isotropic hardening, radial
   * return, consistent tangent. For the metal layers.
   */
  class J2Plasticity
  {
  public:
    J2Plasticity(const Elasticity &elasticity,
                 double            yield_stress,
                 double            hardening_modulus);

    /// @param strain total strain minus eigenstrain
    Response
    respond(const Strain        &strain,
            const MaterialState &old,
            MaterialState       &updated) const;

  private:
    Elasticity elasticity;
    double     yield_stress;
    double     hardening;
  };

  /**
   * @brief Compaction of a porous layer by the Heckel law
   * ln(1/(1-D)) = K p + A, driven by the largest mean pressure p the point
   * has seen; the volumetric plastic strain ln(D0/D) is consistent with the
   * relative density D; deviatoric response elastic. Below the pressure
   * where the Heckel density reaches the initial density D0 nothing
   * compacts; unloading is elastic.
   */
  class HeckelCompaction
  {
  public:
    HeckelCompaction(const Elasticity &elasticity,
                     double            heckel_k,
                     double            heckel_a,
                     double            initial_density);

    /// Relative density after a largest mean pressure p [Pa].
    double
    relative_density(double max_pressure) const;

    /// Volumetric plastic strain ln(D0 / D) (<= 0) and its derivative in p.
    std::pair<double, double>
    volumetric_plastic_strain(double max_pressure) const;

    /// Mean stress is capped at zero: a compact of particles opens rather
    /// than carry tension.
    Response
    respond(const Strain        &strain,
            const MaterialState &old,
            MaterialState       &updated) const;

    /// Volumetric opening of the compact (volumetric strain beyond its
    /// stress-free state, where the particles separate) [-].
    static double
    opening(const Strain &strain, const MaterialState &state);

  private:
    Elasticity elasticity;
    double     k, a, d0;
  };

  /**
   * @brief A plated Li film represented by a band of thickness t whose
   * normal inelastic strain is g/t, with g the film's mechanical thickness.
   *
   * Over a step the film grows by dg (plating, or stripping in proportion)
   * and thins by power-law creep under the normal pressure it carries
   * (laterally free film): g = g_old + dg - dt g A p^n exp(-Q/RT), solved
   * implicitly with the stress. The band's host material is elastic.
   */
  class FilmBand
  {
  public:
    FilmBand(const Elasticity &elasticity,
             double            band_thickness,
             double            creep_rate_factor, ///< A exp(-Q/RT)
             double            creep_exponent);

    /// @param strain total strain minus eigenstrain and plastic strain
    /// @param normal_axis index of the film normal (thickness axis)
    Response
    respond(const Strain &strain,
            unsigned int  normal_axis,
            double        g_old,
            double        growth,
            double        dt,
            double       &g_new) const;

  private:
    Elasticity elasticity;
    double     thickness;
    double     creep;
    double     exponent;
  };

  /// Uniaxial power-law creep: strain rate A sigma^n exp(-Q/RT).
  struct PowerLawCreep
  {
    double rate_factor; ///< A exp(-Q/RT) [Pa^-n / s]
    double exponent;    ///< n

    double
    rate(const double stress) const;

    /// Stress after relaxing for dt at fixed total strain in a bar of
    /// modulus E (implicit Euler): sigma + dt E rate(sigma) = sigma_old.
    double
    relax(double stress_old, double youngs_modulus, double dt) const;
  };
} // namespace anodeless
