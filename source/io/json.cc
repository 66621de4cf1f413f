#include <anodeless/io/json.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <stdexcept>

namespace anodeless
{
  Json::Json(const double value)
    : kind(Kind::number)
    , number(value)
  {
  }

  Json::Json(const int value)
    : kind(Kind::number)
    , number(value)
  {
  }

  Json::Json(const unsigned int value)
    : kind(Kind::number)
    , number(value)
  {
  }

  Json::Json(const bool value)
    : kind(Kind::boolean)
    , flag(value)
  {
  }

  Json::Json(const char *value)
    : kind(Kind::string)
    , text(value)
  {
  }

  Json::Json(const std::string &value)
    : kind(Kind::string)
    , text(value)
  {
  }

  Json
  Json::array()
  {
    Json j;
    j.kind = Kind::array;
    return j;
  }

  Json
  Json::object()
  {
    Json j;
    j.kind = Kind::object;
    return j;
  }

  Json &
  Json::operator[](const std::string &key)
  {
    if (kind == Kind::null)
      kind = Kind::object;
    if (kind != Kind::object)
      throw std::logic_error("JSON value is not an object");
    for (auto &m : members)
      if (m.first == key)
        return m.second;
    members.emplace_back(key, Json());
    return members.back().second;
  }

  void
  Json::push_back(const Json &value)
  {
    if (kind == Kind::null)
      kind = Kind::array;
    if (kind != Kind::array)
      throw std::logic_error("JSON value is not an array");
    items.push_back(value);
  }

  namespace
  {
    void
    write_string(std::string &out, const std::string &s)
    {
      out += '"';
      for (const char c : s)
        switch (c)
          {
            case '"':
              out += "\\\"";
              break;
            case '\\':
              out += "\\\\";
              break;
            case '\n':
              out += "\\n";
              break;
            case '\t':
              out += "\\t";
              break;
            default:
              if (static_cast<unsigned char>(c) < 32)
                {
                  char buffer[8];
                  std::snprintf(buffer, sizeof(buffer), "\\u%04x", c);
                  out += buffer;
                }
              else
                out += c;
          }
      out += '"';
    }
  } // namespace

  void
  Json::write(std::string       &out,
              const unsigned int indent,
              const unsigned int level) const
  {
    const std::string pad(indent * (level + 1), ' ');
    const std::string close_pad(indent * level, ' ');
    const char       *newline = indent > 0 ? "\n" : "";
    switch (kind)
      {
        case Kind::null:
          out += "null";
          break;
        case Kind::boolean:
          out += flag ? "true" : "false";
          break;
        case Kind::number:
          if (!std::isfinite(number))
            out += "null";
          else
            {
              char buffer[32];
              std::snprintf(buffer, sizeof(buffer), "%.16g", number);
              out += buffer;
            }
          break;
        case Kind::string:
          write_string(out, text);
          break;
        case Kind::array:
          if (items.empty())
            {
              out += "[]";
              break;
            }
          out += std::string("[") + newline;
          for (std::size_t i = 0; i < items.size(); ++i)
            {
              out += pad;
              items[i].write(out, indent, level + 1);
              out += (i + 1 < items.size() ? "," : "") + std::string(newline);
            }
          out += close_pad + "]";
          break;
        case Kind::object:
          if (members.empty())
            {
              out += "{}";
              break;
            }
          out += std::string("{") + newline;
          for (std::size_t i = 0; i < members.size(); ++i)
            {
              out += pad;
              write_string(out, members[i].first);
              out += indent > 0 ? ": " : ":";
              members[i].second.write(out, indent, level + 1);
              out += (i + 1 < members.size() ? "," : "") + std::string(newline);
            }
          out += close_pad + "}";
          break;
      }
  }

  std::string
  Json::dump(const unsigned int indent) const
  {
    std::string out;
    write(out, indent, 0);
    return out + "\n";
  }

  void
  write_file_atomically(const std::string &path, const std::string &contents)
  {
    const std::string temporary = path + ".tmp";
    {
      std::ofstream out(temporary, std::ios::binary);
      out << contents;
      out.close();
      if (!out)
        throw std::runtime_error("cannot write the file '" + temporary + "'");
    }
    if (std::rename(temporary.c_str(), path.c_str()) != 0)
      throw std::runtime_error("cannot rename '" + temporary + "' to '" + path +
                               "'");
  }
} // namespace anodeless
