#!/usr/bin/env python3
# Allocation by first io.tsgate frame and by class from a JFR recording (jdk.ObjectAllocationSample, weighted):
#   python3 src/test/bench/jfr-alloc-top.py rec.jfr
# e.g. after: src/test/bench/jmh.sh CheckPathBenchmark.tsgateCheck -jvmArgsAppend -XX:StartFlightRecording=settings=profile,filename=rec.jfr
import re,collections,sys,subprocess

txt=subprocess.run(['jfr','print','--events','jdk.ObjectAllocationSample',sys.argv[1]],capture_output=True,text=True).stdout
ev=txt.split('jdk.ObjectAllocationSample')
byframe=collections.Counter(); bycls=collections.Counter(); total=0
for e in ev:
    m=re.search(r'weight = ([\d.]+) (bytes|kB|MB|GB)',e)
    if not m: continue
    w=float(m.group(1))*{'bytes':1,'kB':1024,'MB':1<<20,'GB':1<<30}[m.group(2)]
    c=re.search(r'objectClass = ([\w.$\[\]]+)',e)
    frames=re.findall(r'^\s+([\w$.<>]+)\(.*?line:\s*(\d+)', e, re.M)
    if not any('tsgate' in f for f,_ in frames) : continue
    total+=w
    bycls[c.group(1) if c else '?']+=w
    # first frame in io.tsgate
    for f,l in frames:
        if 'io.tsgate' in f: byframe[f+':'+l]+=w; break
print("total sampled under io.tsgate", total)
for f,w in byframe.most_common(30): print("%5.1f%% %s"%(100*w/total,f))
print('--- by class')
for f,w in bycls.most_common(20): print("%5.1f%% %s"%(100*w/total,f))
