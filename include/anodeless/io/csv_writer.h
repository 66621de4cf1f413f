#pragma once

#include <fstream>
#include <string>
#include <vector>

namespace anodeless
{
  /**
   * @brief A CSV time series: a header with units, then one row per call,
   * flushed at once so that a killed run leaves only complete rows.
   */
  class CsvWriter
  {
  public:
    /// Open (truncate) @p path and write the header. Call on one rank.
    CsvWriter(const std::string &path, const std::vector<std::string> &columns);

    /// Continue @p path after a resume: cut it to its first @p bytes (the
    /// length at the checkpoint) and append from there.
    CsvWriter(const std::string              &path,
              const std::vector<std::string> &columns,
              unsigned long long              bytes);

    /// Write a row of numbers (%.10e) with optional leading text columns.
    void
    write_row(const std::vector<std::string> &text,
              const std::vector<double>      &numbers);

    /// Write a row of already formatted cells (an empty cell: no value).
    void
    write_cells(const std::vector<std::string> &cells);

    /// A number as write_row writes it.
    static std::string
    format(double x);

    const std::vector<std::string> &
    columns() const
    {
      return header;
    }

    /// Length of the file so far.
    unsigned long long
    size() const
    {
      return bytes;
    }

  private:
    std::ofstream            out;
    unsigned long long       bytes = 0;
    std::vector<std::string> header;
  };
} // namespace anodeless
