#pragma once

#include <anodeless/materials/monotone_table.h>

#include <string>

namespace anodeless
{
  /// The measured NMC811 open-circuit potential [V vs Li/Li+] against the Li
  /// fraction x, Zhuo et al. 2023 (881 points, 25 C), built into the library.
  const MonotoneTable &
  nmc811_ocp_zhuo2023();

  /**
   * @brief Li diffusivity in NMC811 particles, D(x, T) in m^2/s.
   *
   * "ORegan2022": the x-dependent fit of O'Regan et al., Electrochim. Acta
   * 425, 140700 (2022), as published in PyBaMM's ORegan2022 parameter set
   * (three Gaussian dips in log10 D, 2.7 correction factor), 3-20e-15 m^2/s
   * at 25 C. "constant": the given value (Chen 2020: 4e-15 m^2/s).
   * Temperature enters by an Arrhenius factor relative to 298.15 K.
   */
  class Nmc811Diffusivity
  {
  public:
    Nmc811Diffusivity(const std::string &model,
                      double             constant_value,
                      double             activation_energy,
                      double             temperature);

    /// D at Li fraction x (clamped to [0, 1]).
    double
    operator()(double x) const;

  private:
    bool   use_fit;
    double constant_value;
    double temperature_factor;
  };
} // namespace anodeless
