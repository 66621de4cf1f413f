#include <anodeless/materials/embedded_data.h>
#include <anodeless/materials/material_library.h>
#include <anodeless/materials/nmc811.h>

#include <algorithm>
#include <cmath>

namespace anodeless
{
  const MonotoneTable &
  nmc811_ocp_zhuo2023()
  {
    static const MonotoneTable table =
      MonotoneTable::from_csv(embedded_data::nmc811_ocp_zhuo2023_csv,
                              "nmc811_ocp_zhuo2023.csv");
    return table;
  }

  Nmc811Diffusivity::Nmc811Diffusivity(const std::string &model,
                                       const double       constant_value,
                                       const double       activation_energy,
                                       const double       temperature)
    : use_fit(model == "ORegan2022")
    , constant_value(constant_value)
    , temperature_factor(
        arrhenius_factor(activation_energy, temperature, 298.15))
  {
  }

  double
  Nmc811Diffusivity::operator()(const double x_in) const
  {
    if (!use_fit)
      return constant_value * temperature_factor;
    const double x = std::clamp(x_in, 0.0, 1.0);
    // O'Regan 2022 (PyBaMM ORegan2022): log10 D = c0 + sum a_i
    // exp(-(x - b_i)^2 / c_i), times a correction factor of 2.7.
    const double a1 = -0.9231, a2 = -0.4066, a3 = -0.993;
    const double b1 = 0.3216, b2 = 0.4532, b3 = 0.8098;
    const double c0 = -13.96, c1 = 0.002534, c2 = 0.003926, c3 = 0.09924;
    const double log10_d = c0 + a1 * std::exp(-(x - b1) * (x - b1) / c1) +
                           a2 * std::exp(-(x - b2) * (x - b2) / c2) +
                           a3 * std::exp(-(x - b3) * (x - b3) / c3);
    return 2.7 * std::exp(log10_d * std::log(10.0)) * temperature_factor;
  }
} // namespace anodeless
