#pragma once

namespace anodeless::embedded_data
{
  /// data/nmc811_ocp_zhuo2023.csv: measured NMC811 open-circuit potential vs
  /// Li fraction (Zhuo et al. 2023, doi:10.1016/j.jpowsour.2022.232461).
  extern const char *const nmc811_ocp_zhuo2023_csv;
} // namespace anodeless::embedded_data
