#pragma once

/**
 * @file Physical constants and unit conversions. Everything inside anodeless
 * is SI; these are the only places where other units appear.
 */
namespace anodeless::constants
{
  /// Faraday constant [C/mol] (CODATA 2018, exact).
  inline constexpr double faraday = 96485.33212;
  /// Molar gas constant [J/(mol K)] (CODATA 2018, exact).
  inline constexpr double gas_constant = 8.314462618;
  /// 0 degrees Celsius in kelvin.
  inline constexpr double zero_celsius = 273.15;
  /// One hour in seconds.
  inline constexpr double hour = 3600.0;
  /// One milliampere-hour in coulomb.
  inline constexpr double milliampere_hour = 3.6;
  /// One electronvolt per particle in J/mol (= Faraday constant in J/(V mol)).
  inline constexpr double electronvolt_per_mol = faraday;
} // namespace anodeless::constants

namespace anodeless::units
{
  /// mAh/cm^2 -> C/m^2
  inline constexpr double milliampere_hour_per_cm2 = 3.6 / 1e-4;
  /// mA/cm^2 -> A/m^2
  inline constexpr double milliampere_per_cm2 = 10.0;
  /// micrometre -> m
  inline constexpr double micrometre = 1e-6;
} // namespace anodeless::units
