import { describe, expect, it } from 'vitest';
import { compile, TemplateError } from './template';

// Examples from Docker's documentation (docker inspect, "Format command and
// log output"), run against objects shaped like Docker's.
const container = {
  Id: 'f3b1c8a9d1e2',
  Name: '/web',
  LogPath: '/var/lib/docker/containers/f3b1/f3b1-json.log',
  Config: { Hostname: 'f3b1c8a9d1e2', Cmd: ['python3', '-m', 'http.server'], Env: ['PATH=/usr/bin'], Labels: { 'com.example.vendor': 'ACME', env: 'prod' } },
  NetworkSettings: {
    Ports: { '80/tcp': [{ HostIp: '0.0.0.0', HostPort: '8080' }], '443/tcp': null },
    Networks: { demo: { IPAddress: '10.10.0.2', MacAddress: '02:42:0a:0a:00:02', Gateway: '10.10.0.1' } },
  },
  State: { Status: 'running', Running: true, ExitCode: 0 },
};
const render = (t: string, data: unknown = container) => compile(t).render(data);

describe('Go template subset (docker --format)', () => {
  it("docker inspect's examples", () => {
    expect(render('{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}')).toBe('10.10.0.2');
    expect(render('{{range .NetworkSettings.Networks}}{{.MacAddress}}{{end}}')).toBe('02:42:0a:0a:00:02');
    expect(render('{{.LogPath}}')).toBe('/var/lib/docker/containers/f3b1/f3b1-json.log');
    expect(render("{{range $p, $conf := .NetworkSettings.Ports}} {{$p}} -> {{(index $conf 0).HostPort}} {{end}}", {
      NetworkSettings: { Ports: { '80/tcp': [{ HostIp: '0.0.0.0', HostPort: '8080' }] } },
    })).toBe(' 80/tcp -> 8080 ');
    expect(render('{{json .Config.Labels}}')).toBe('{"com.example.vendor":"ACME","env":"prod"}');
    expect(render('{{.State.Running}} {{.State.ExitCode}}')).toBe('true 0');
  });

  it("the formatting guide's functions: join, json, lower, split, title, upper, index, len", () => {
    expect(render('{{join .Config.Cmd " , "}}')).toBe('python3 , -m , http.server');
    expect(render('{{json .Config.Cmd}}')).toBe('["python3","-m","http.server"]');
    expect(render('{{lower "ABC"}} {{upper .State.Status}} {{title "hello world"}}')).toBe('abc RUNNING Hello World');
    expect(render('{{split "a:b:c" ":"}}')).toBe('[a b c]');
    expect(render('{{index .Config.Labels "com.example.vendor"}}')).toBe('ACME');
    expect(render('{{len .Config.Cmd}}')).toBe('3');
    expect(render('{{.Name | upper}}')).toBe('/WEB');
    expect(render('{{printf "%-6s|" .State.Status}}')).toBe('running|'.replace('running', 'running'));
    expect(render('{{printf "%q" "x"}}')).toBe('"x"');
  });

  it('Go values print like fmt %v: slices, maps, nil, missing map keys', () => {
    expect(render('{{.Config.Cmd}}')).toBe('[python3 -m http.server]');
    expect(render('{{.Config.Labels}}')).toBe('map[com.example.vendor:ACME env:prod]');
    expect(render('{{index .NetworkSettings.Ports "443/tcp"}}')).toBe('<nil>');
    expect(render('{{.Config.Labels.missing}}')).toBe('<no value>');
    expect(render('{{.}}', 'plain')).toBe('plain');
  });

  it('if / else / else if / with / range-else, variables, trim markers', () => {
    expect(render('{{if .State.Running}}up{{else}}down{{end}}')).toBe('up');
    expect(render('{{if eq .State.Status "exited"}}x{{else if eq .State.Status "running"}}r{{else}}?{{end}}')).toBe('r');
    expect(render('{{with .Config.Labels.env}}env={{.}}{{end}}')).toBe('env=prod');
    expect(render('{{range .Config.Env}}{{.}};{{else}}none{{end}}', { Config: { Env: [] } })).toBe('none');
    expect(render('{{$n := .Name}}{{range .Config.Cmd}}{{$n}}{{end}}')).toBe('/web/web/web');
    expect(render('a  {{- .State.Status -}}  b')).toBe('arunningb');
    expect(render('{{/* a comment */}}ok')).toBe('ok');
  });

  it('context methods take arguments: {{.Label "k"}}', () => {
    expect(render('{{.Label "env"}}', { Labels: 'env=prod', Label: (k: string) => (k === 'env' ? 'prod' : '') })).toBe('prod');
  });

  it('invalid templates and bad fields are errors, not empty output', () => {
    expect(() => compile('{{.Name')).toThrow(/template parsing error/);
    expect(() => compile('{{nosuchfunc .Name}}')).toThrow(/function "nosuchfunc" not defined/);
    expect(() => compile('{{end}}')).toThrow(TemplateError);
    expect(() => compile('{{if .X}}open')).toThrow(/unexpected EOF/);
    expect(() => render('{{.Nope}}')).toThrow(/can't evaluate field Nope/);
    expect(() => render('{{$x}}')).toThrow(/undefined variable/);
    expect(() => render('{{index .Config.Cmd 9}}')).toThrow(/index out of range/);
  });
});
