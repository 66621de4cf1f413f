#pragma once

#include <anodeless/electrochemistry/butler_volmer.h>
#include <anodeless/electrochemistry/spherical_particle.h>
#include <anodeless/materials/monotone_table.h>
#include <anodeless/materials/nmc811.h>

#include <vector>

namespace anodeless
{
  /**
   * @file The reactions at one quadrature point, each solved together with
   * the implicit-Euler update of the state it changes (particle, carbon
   * filling, plated film). Given the local potential difference
   * dphi = phi_s - phi_e they return the current density j [A/m^2 of
   * reacting surface, > 0 anodic] and dj/d(dphi), which the global Newton
   * method uses; the state update uses the same j, so the Li inventory is
   * conserved exactly.
   */

  /// j and its derivative with respect to phi_s - phi_e.
  struct ReactionResult
  {
    double current    = 0; ///< A/m^2
    double derivative = 0; ///< A/(m^2 V)
  };

  /**
   * Root of a strictly increasing g on [low, high] with g(low) < 0 < g(high),
   * by Newton steps safeguarded by bisection. @p g returns (g, g').
   */
  template <class Function>
  double
  safeguarded_newton(const Function &g, double low, double high, double guess);

  /// NMC811 particle reaction with Butler-Volmer kinetics and the OCP table.
  class CathodeReaction
  {
  public:
    struct Data
    {
      double       radius;
      unsigned int n_shells;
      double       max_concentration; ///< mol/m^3
      double       rate_constant;     ///< k in j0 = k x^a_c (1-x)^a_a, A/m^2
      /// Share of the particle surface that reacts (touches electrolyte): the
      /// mean flux into the particle is this times j / F.
      double       contact_fraction;
      ButlerVolmer kinetics;
    };

    CathodeReaction(const Data              &data,
                    const MonotoneTable     &ocp,
                    const Nmc811Diffusivity &diffusivity);

    /// How the surface concentration after a step of length dt from shells
    /// c_old responds to the outward flux (fixed during the step).
    SphericalParticle::SurfaceResponse
    surface_response(const double *c_old, double dt) const;

    /// Reaction current at the end of the step; @p guess starts the local
    /// Newton iteration (e.g. the last value at this point).
    ReactionResult
    solve(double                                    delta_phi,
          const SphericalParticle::SurfaceResponse &surface,
          double                                    guess         = 0,
          double                                    contact_scale = 1) const;

    /// Same, from the shells.
    ReactionResult
    solve(double delta_phi, const double *c_old, double dt) const
    {
      return solve(delta_phi, surface_response(c_old, dt));
    }

    /// The shells after the step with current density j.
    void
    advance(const double *c_old,
            double        dt,
            double        current,
            double       *c_new,
            double        contact_scale = 1) const;

    /// Surface Li fraction after the step with current density j.
    double
    surface_fraction(const double *c_old, double dt, double current) const;

    /// Same, from the step's surface response.
    double
    surface_fraction(const SphericalParticle::SurfaceResponse &surface,
                     double                                    current,
                     double contact_scale = 1) const;

    const SphericalParticle &
    particle() const
    {
      return sphere;
    }

    double
    max_concentration() const
    {
      return data.max_concentration;
    }

    /// Open-circuit potential at Li fraction x.
    double
    ocp(double x) const
    {
      return table.value(x);
    }

  private:
    Data                        data;
    const MonotoneTable        &table;
    const Nmc811Diffusivity    &diffusivity;
    SphericalParticle           sphere;
    mutable std::vector<double> d_faces;

    void
    face_diffusivities(const double *c_old) const;
  };

  /**
   * Li storage in the carbon layer. The filling theta of the sites splits
   * into reversible Li and Li trapped for good: a share of the Li entering
   * sites never filled before (above the largest filling so far) is trapped
   * (first-lithiation loss). Open-circuit potential
   * U = U0 (1 - theta)^p + (RT/F) ln((1 - theta)/theta_rev): about 1 V empty,
   * near 0 V full, below 0 V as the carbon saturates (plating takes over),
   * and rising without bound as the reversible Li runs out. Volumetric
   * capacity Q [C/m^3].
   */
  class CarbonReaction
  {
  public:
    struct Data
    {
      double       ocp_amplitude;       ///< U0 [V]
      double       ocp_exponent;        ///< p
      double       volumetric_capacity; ///< C/m^3
      double       specific_area;       ///< reacting area per volume [1/m]
      double       exchange_current;    ///< A/m^2
      double       trapped_fraction;    ///< share of first-time Li trapped
      ButlerVolmer kinetics;
    };

    struct State
    {
      double filling = 0; ///< theta, all occupied sites
      double trapped = 0; ///< of which trapped for good
      double largest = 0; ///< largest filling so far
    };

    explicit CarbonReaction(const Data &data);

    /// OCP at total filling theta with reversible filling theta_rev.
    double
    ocp(double theta, double theta_reversible) const;

    /// OCP of carbon without trapped Li.
    double
    ocp(const double theta) const
    {
      return ocp(theta, theta);
    }

    ReactionResult
    solve(double       delta_phi,
          const State &old,
          double       dt,
          double       guess = 0) const;

    /// State after the step with current density j.
    State
    advance(const State &old, double dt, double current) const;

    const Data &
    parameters() const
    {
      return data;
    }

  private:
    Data data;
  };

  /**
   * Li plating and stripping on an interface, as a film of thickness h, with
   * a nucleation gate and a double layer.
   *
   * Before nucleation no Faradaic current flows; the double layer
   * (capacitance C) carries the current until phi_s - phi_e falls to
   * -eta_nuc, an event the time stepper lands on. Once nucleated the film
   * plates and strips with Butler-Volmer kinetics; stripping is capped at the
   * Li present (the film empties exactly in the step) and an empty film
   * closes the gate again.
   */
  /// What the substrate and the surroundings of a Li film do to it.
  struct FilmLosses
  {
    /// Share of the Li stripped from the film that is left electronically
    /// isolated (dead Li).
    double dead_fraction = 0;
    /// k_q^2 of the parabolic SEI growth dq/dt = k_q^2 / (2 q) where Li
    /// touches the solid electrolyte [C^2/(m^4 s)]; 0 elsewhere.
    double sei_rate = 0;
  };

  class PlatingReaction
  {
  public:
    struct Data
    {
      double       exchange_current;         ///< A/m^2
      double       molar_volume;             ///< m^3/mol
      double       double_layer_capacitance; ///< F/m^2
      ButlerVolmer kinetics;
    };

    using Interface = FilmLosses;

    struct State
    {
      double film_thickness = 0; ///< m
      double delta_phi      = 0; ///< phi_s - phi_e at the end of the step [V]
      bool   nucleated      = false;
      double dead           = 0; ///< dead Li [mol/m^2]
      double sei_charge     = 0; ///< SEI on the present film [C/m^2]
      double sei_lost       = 0; ///< Li in SEI since the start [mol/m^2]
    };

    /// Faradaic and double-layer parts of the interface current.
    struct Result
    {
      double faradaic   = 0; ///< A/m^2, changes the film
      double capacitive = 0; ///< A/m^2, charges the double layer
      double derivative = 0; ///< d(total)/d(dphi)
      double sei        = 0; ///< Li taken by the SEI this step [mol/m^2]
    };

    explicit PlatingReaction(const Data &data);

    /// @param eta_shift added to dphi in the overpotential (mechanical term).
    Result
    solve(double           delta_phi,
          const State     &old,
          double           dt,
          const Interface &interface,
          double           eta_shift = 0) const;

    /// Same on an interface without losses.
    Result
    solve(const double delta_phi,
          const State &old,
          const double dt,
          const double eta_shift = 0) const
    {
      return solve(delta_phi, old, dt, Interface(), eta_shift);
    }

    /// State after the step.
    State
    advance(const State     &old,
            double           delta_phi,
            double           dt,
            const Result    &r,
            const Interface &interface = Interface()) const;

    const Data &
    parameters() const
    {
      return data;
    }

  private:
    Data data;
  };

  template <class Function>
  double
  safeguarded_newton(const Function &g,
                     double          low,
                     double          high,
                     const double    guess)
  {
    double x = (guess > low && guess < high) ? guess : 0.5 * (low + high);
    for (unsigned int iteration = 0; iteration < 200; ++iteration)
      {
        const auto [value, slope] = g(x);
        if (value == 0)
          return x;
        if (value < 0)
          low = x;
        else
          high = x;
        double next = x - value / slope;
        if (!(next > low && next < high) || !(slope > 0))
          next = 0.5 * (low + high);
        const double scale =
          std::max({std::abs(next), std::abs(low), std::abs(high)});
        if (std::abs(next - x) <= 1e-15 * scale || high - low <= 1e-15 * scale)
          return next;
        x = next;
      }
    return x;
  }
} // namespace anodeless
